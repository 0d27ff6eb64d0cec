import { Migration } from '@mikro-orm/migrations';
import { databaseName } from '../../../lib/config.js';

/**
 * settle_record moves to the order database: the settlement of an order is written in the same
 * transaction as its WAIT_USE → USED transition, so a refund (WAIT_USE → REFUNDED) and a
 * settlement can never both happen. Records the payment service wrote before are copied once when
 * its database is on the same server; its old table is left as it was (no longer written).
 */
export class Migration20261201000000_settle_record extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`settle_record\` (
      \`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime not null default current_timestamp,
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,
      \`order_sn\` varchar(25) not null,
      \`business_id\` bigint unsigned not null,
      \`amount\` int not null comment 'cents',
      \`period_start\` date not null,
      \`period_end\` date not null,
      unique key \`settle_record_order_sn_unique\` (\`order_sn\`),
      key \`settle_record_business_index\` (\`business_id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    const legacy = databaseName('payment');
    const found = await this.execute("select 1 from information_schema.tables where table_schema = ? and table_name = 'settle_record'", [legacy]);
    if (found.length) {
      this.addSql(`insert ignore into \`settle_record\` (create_time, update_time, order_sn, business_id, amount, period_start, period_end)
        select create_time, update_time, order_sn, business_id, amount, period_start, period_end from \`${legacy}\`.\`settle_record\``);
    }
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `settle_record`;');
  }
}
