import { Migration } from '@mikro-orm/migrations';

/**
 * Landlords close nights (setNightsClosed): a flag on the night's inventory row, which the
 * reserve's guarded UPDATE reads in the same statement as the counter, so a closing and a booking
 * of one night cannot both win. A review belongs to one stay: comments carry the order sn, unique
 * (MySQL lets many NULLs through, the comments written before reviews needed a stay).
 */
export class Migration20261202000100_landlord_reviews extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table `homestay_inventory` add `closed` tinyint not null default 0 comment '1: closed by the landlord, sold out to new bookings';");
    this.addSql(`alter table \`homestay_comment\` add \`order_sn\` varchar(64) null comment 'the stay (USED order) the review belongs to; null for older comments',
      add unique key \`homestay_comment_order_sn_unique\` (\`order_sn\`);`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table `homestay_comment` drop index `homestay_comment_order_sn_unique`, drop column `order_sn`;');
    this.addSql('alter table `homestay_inventory` drop column `closed`;');
  }
}
