import { Migration } from '@mikro-orm/migrations';

/** Every homestay gets a cancellation policy; homestays that existed before are FLEXIBLE (the kindest to guests). */
export class Migration20261202000000_cancellation_policy extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table `homestay` add `cancellation_policy` varchar(16) not null default 'FLEXIBLE' comment 'FLEXIBLE, MODERATE or STRICT';");
  }

  override async down(): Promise<void> {
    this.addSql('alter table `homestay` drop column `cancellation_policy`;');
  }
}
