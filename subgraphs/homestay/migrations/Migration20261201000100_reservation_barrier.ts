import { Migration } from '@mikro-orm/migrations';

/**
 * The reservation barrier, after dtm's sub-transaction barrier: one row per (sn, op), written in
 * the same transaction as the inventory change. `op = 'reserve'` is the try-row; its `origin` says
 * who wrote it: the reserve itself, or a release that came first and wrote it to bar any later
 * reserve of that sn (the unique key refuses it). `op = 'release'` records that a release ran.
 * A table of its own rather than rows in homestay_reservation: a release that holds nothing has no
 * homestay or night to put there, and the inventory queries stay about nights held.
 */
export class Migration20261201000100_reservation_barrier extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`homestay_reservation_barrier\` (
      \`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime not null default current_timestamp,
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,
      \`sn\` varchar(64) not null,
      \`op\` varchar(16) not null comment 'reserve or release',
      \`origin\` varchar(16) not null comment 'the call that wrote the row: reserve or release',
      unique key \`homestay_reservation_barrier_sn_op_unique\` (\`sn\`, \`op\`)
    ) default character set utf8mb4 engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `homestay_reservation_barrier`;');
  }
}
