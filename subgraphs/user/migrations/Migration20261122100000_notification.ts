import { Migration } from '@mikro-orm/migrations';

/** Messages to a user (pay success, check-in code), stored by the default notifier. */
export class Migration20261122100000_notification extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`notification\` (
      \`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime(3) not null default current_timestamp(3),
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,
      \`user_id\` bigint unsigned not null,
      \`kind\` varchar(32) not null,
      \`dedupe_key\` varchar(100) not null comment 'one message per key: a retried delivery stores nothing more',
      \`title\` varchar(255) not null,
      \`body\` text not null,
      unique key \`notification_user_dedupe_unique\` (\`user_id\`, \`dedupe_key\`),
      key \`notification_user_id_index\` (\`user_id\`, \`id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `notification`;');
  }
}
