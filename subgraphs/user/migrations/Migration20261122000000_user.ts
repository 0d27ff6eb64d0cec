import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000_user extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`user\` (
      \`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime not null default current_timestamp,
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,
      \`mobile\` char(11) not null,
      \`password\` varchar(255) not null,
      \`nickname\` varchar(255) not null default '',
      \`sex\` tinyint not null default 0 comment '0 male, 1 female',
      \`avatar\` varchar(255) not null default '',
      \`info\` varchar(255) not null default '',
      unique key \`user_mobile_unique\` (\`mobile\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`create table \`user_auth\` (
      \`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime not null default current_timestamp,
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,
      \`user_id\` bigint unsigned not null,
      \`auth_key\` varchar(64) not null,
      \`auth_type\` varchar(12) not null,
      unique key \`user_auth_type_key_unique\` (\`auth_type\`, \`auth_key\`),
      unique key \`user_auth_user_type_unique\` (\`user_id\`, \`auth_type\`)
    ) default character set utf8mb4 engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `user_auth`;');
    this.addSql('drop table if exists `user`;');
  }
}
