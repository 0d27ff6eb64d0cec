import { Migration } from '@mikro-orm/migrations';

const COMMON = `\`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime not null default current_timestamp,
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,`;

/** looklook's third_payment, the transactional outbox beside it, and the settlement records. */
export class Migration20261122000000_payment extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`third_payment\` (
      ${COMMON}
      \`sn\` varchar(25) not null,
      \`user_id\` bigint unsigned not null,
      \`pay_mode\` varchar(20) not null default '' comment 'provider: SANDBOX (looklook: WECHAT_PAY)',
      \`trade_type\` varchar(20) not null default '',
      \`trade_state\` varchar(20) not null default '' comment 'provider state: NOTPAY, SUCCESS, PAYERROR, REFUND',
      \`pay_total\` int not null comment 'cents',
      \`transaction_id\` varchar(64) not null default '',
      \`trade_state_desc\` varchar(255) not null default '',
      \`order_sn\` varchar(25) not null,
      \`service_type\` varchar(32) not null default 'homestayOrder',
      \`pay_status\` tinyint not null default 0 comment '-1 failed, 0 waiting, 1 success, 2 refunded',
      \`pay_time\` datetime(3) null,
      \`live_order_sn\` varchar(25) null comment 'order_sn while waiting or paid: one live payment per order',
      unique key \`third_payment_sn_unique\` (\`sn\`),
      unique key \`third_payment_live_order_sn_unique\` (\`live_order_sn\`),
      key \`third_payment_order_sn_index\` (\`order_sn\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`create table \`payment_outbox\` (
      ${COMMON}
      \`event_id\` char(36) not null,
      \`topic\` varchar(64) not null,
      \`message_key\` varchar(64) not null,
      \`payload\` text not null,
      \`attempts\` int not null default 0,
      \`sent_at\` datetime(3) null,
      unique key \`payment_outbox_event_id_unique\` (\`event_id\`),
      key \`payment_outbox_unsent_index\` (\`sent_at\`, \`id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`create table \`settle_record\` (
      ${COMMON}
      \`order_sn\` varchar(25) not null,
      \`business_id\` bigint unsigned not null,
      \`amount\` int not null comment 'cents',
      \`period_start\` date not null,
      \`period_end\` date not null,
      unique key \`settle_record_order_sn_unique\` (\`order_sn\`),
      key \`settle_record_business_index\` (\`business_id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `settle_record`;');
    this.addSql('drop table if exists `payment_outbox`;');
    this.addSql('drop table if exists `third_payment`;');
  }
}
