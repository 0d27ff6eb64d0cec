import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000_order extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`homestay_order\` (
      \`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime not null default current_timestamp,
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,
      \`sn\` varchar(25) not null comment 'HSO + yyyyMMddHHmmss + 8 random digits',
      \`user_id\` bigint unsigned not null,
      \`homestay_id\` bigint unsigned not null,
      \`title\` varchar(255) not null,
      \`sub_title\` varchar(255) not null default '',
      \`cover\` varchar(1024) not null default '',
      \`info\` text not null,
      \`people_num\` int not null,
      \`row_type\` tinyint not null comment '0 per room, 1 per person',
      \`food_info\` varchar(255) not null default '',
      \`food_price\` int not null comment 'cents per guest per night',
      \`homestay_price\` int not null comment 'cents per night (per room or per person)',
      \`market_homestay_price\` int not null,
      \`homestay_business_id\` bigint unsigned not null,
      \`homestay_user_id\` bigint unsigned not null comment 'landlord',
      \`need_food\` tinyint(1) not null default 0,
      \`live_start_date\` date not null,
      \`live_end_date\` date not null,
      \`live_people_num\` int not null,
      \`remark\` varchar(255) not null default '',
      \`homestay_total_price\` int not null,
      \`food_total_price\` int not null,
      \`order_total_price\` int not null,
      \`trade_code\` char(8) null,
      \`trade_state\` tinyint not null comment '-1 cancelled, 0 wait pay, 1 wait use, 2 used, 3 refunded, 4 expired',
      \`pay_deadline\` datetime(3) not null,
      \`paid_at\` datetime(3) null,
      \`closed_at\` datetime(3) null,
      \`idempotency_key\` varchar(64) null,
      unique key \`homestay_order_sn_unique\` (\`sn\`),
      unique key \`homestay_order_user_idempotency_unique\` (\`user_id\`, \`idempotency_key\`),
      key \`homestay_order_user_id_index\` (\`user_id\`, \`id\`),
      key \`homestay_order_state_deadline_index\` (\`trade_state\`, \`pay_deadline\`),
      key \`homestay_order_state_end_index\` (\`trade_state\`, \`live_end_date\`)
    ) default character set utf8mb4 engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `homestay_order`;');
  }
}
