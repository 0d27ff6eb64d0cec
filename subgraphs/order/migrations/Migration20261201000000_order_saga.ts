import { Migration } from '@mikro-orm/migrations';

/**
 * The booking saga and the state-change record:
 * - trade_state gains two internal codes: 10 PENDING (the booking is stored before its nights are
 *   reserved) and 11 FAILED (a booking that never became an order); EXPIRED (4) is gone;
 * - `input_fingerprint`: what the booking asked for, so an idempotencyKey reused with other input
 *   is refused;
 * - `order_state_change`: one row per state change, written in the transaction of the change and
 *   published to Redis from there.
 */
export class Migration20261201000000_order_saga extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      "alter table `homestay_order` modify `trade_state` tinyint not null comment '-1 cancelled, 0 wait pay, 1 wait use, 2 used, 3 refunded; internal: 10 pending (booking), 11 failed (booking)'",
    );
    this.addSql(
      "alter table `homestay_order` add column `input_fingerprint` char(64) null comment 'sha256 of the booking input (idempotency)' after `idempotency_key`",
    );
    this.addSql(`create table \`order_state_change\` (
      \`id\` bigint unsigned not null auto_increment primary key,
      \`event_id\` char(36) not null,
      \`sn\` varchar(25) not null,
      \`payload\` varchar(512) not null comment 'the channel message (JSON, lib/order-events.ts)',
      \`attempts\` int not null default 0,
      \`create_time\` datetime(3) not null default current_timestamp(3),
      \`sent_at\` datetime(3) null,
      unique key \`order_state_change_event_id_unique\` (\`event_id\`),
      key \`order_state_change_unsent_index\` (\`sent_at\`, \`id\`),
      key \`order_state_change_sn_index\` (\`sn\`)
    ) default character set utf8mb4 engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `order_state_change`');
    this.addSql('alter table `homestay_order` drop column `input_fingerprint`');
  }
}
