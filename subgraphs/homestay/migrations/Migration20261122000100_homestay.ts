import { Migration } from '@mikro-orm/migrations';

/** looklook's common columns, first in every table. */
const BASE = `
      \`id\` bigint unsigned not null auto_increment primary key,
      \`create_time\` datetime not null default current_timestamp,
      \`update_time\` datetime not null default current_timestamp on update current_timestamp,
      \`delete_time\` datetime null,
      \`del_state\` tinyint not null default 0,
      \`version\` int not null default 0,`;

export class Migration20261122000100_homestay extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`homestay_business\` (${BASE}
      \`title\` varchar(32) not null default '',
      \`user_id\` bigint unsigned not null comment 'the landlord (boss)',
      \`info\` varchar(1024) not null default '',
      \`boss_info\` varchar(1024) not null default '',
      \`license_fron\` varchar(255) not null default '',
      \`license_back\` varchar(255) not null default '',
      \`row_state\` tinyint not null default 1 comment '0 banned, 1 open',
      \`star\` double(3,1) not null default 0,
      \`tags\` varchar(255) not null default '' comment 'comma list',
      \`cover\` varchar(255) not null default '',
      \`header_img\` varchar(255) not null default '',
      unique key \`homestay_business_user_unique\` (\`user_id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`create table \`homestay\` (${BASE}
      \`title\` varchar(64) not null default '',
      \`sub_title\` varchar(128) not null default '',
      \`banner\` varchar(3000) not null default '' comment 'comma list of image URLs, the first is the cover',
      \`info\` varchar(4096) not null default '',
      \`city\` varchar(64) not null default '',
      \`people_num\` int not null default 2,
      \`room_count\` int not null default 1 comment 'rooms sold per night',
      \`homestay_business_id\` bigint unsigned not null,
      \`user_id\` bigint unsigned not null comment 'the landlord',
      \`row_state\` tinyint not null default 0 comment '0 off sale, 1 on sale',
      \`row_type\` tinyint not null default 0 comment '0 per room, 1 per person',
      \`food_info\` varchar(255) not null default '',
      \`food_price\` bigint not null default 0 comment 'cents per guest per night',
      \`homestay_price\` bigint not null default 0 comment 'cents per night',
      \`market_homestay_price\` bigint not null default 0 comment 'cents per night',
      key \`homestay_business_idx\` (\`homestay_business_id\`, \`id\`),
      key \`homestay_city_idx\` (\`city\`, \`id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`create table \`homestay_activity\` (${BASE}
      \`row_type\` varchar(32) not null comment 'preferredHomestay or goodBusiness',
      \`data_id\` bigint unsigned not null comment 'homestay id or business id',
      \`row_status\` tinyint not null default 1 comment '0 off, 1 on',
      unique key \`homestay_activity_type_data_unique\` (\`row_type\`, \`data_id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`create table \`homestay_comment\` (${BASE}
      \`homestay_id\` bigint unsigned not null,
      \`user_id\` bigint unsigned not null,
      \`content\` varchar(1000) not null,
      \`star\` tinyint not null,
      key \`homestay_comment_homestay_idx\` (\`homestay_id\`, \`id\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    // One row per homestay and night that has ever been asked for; reserved never exceeds room_count
    // because every increment is a guarded UPDATE.
    this.addSql(`create table \`homestay_inventory\` (${BASE}
      \`homestay_id\` bigint unsigned not null,
      \`night\` date not null,
      \`reserved\` int not null default 0,
      unique key \`homestay_inventory_night_unique\` (\`homestay_id\`, \`night\`)
    ) default character set utf8mb4 engine = InnoDB;`);
    // One row per (order sn, night): the unique key makes a reservation idempotent.
    this.addSql(`create table \`homestay_reservation\` (${BASE}
      \`sn\` varchar(64) not null,
      \`homestay_id\` bigint unsigned not null,
      \`night\` date not null,
      \`state\` tinyint not null default 0 comment '0 held, 1 released',
      \`reserved_at\` datetime(3) not null,
      \`released_at\` datetime(3) null,
      unique key \`homestay_reservation_sn_night_unique\` (\`sn\`, \`night\`),
      key \`homestay_reservation_held_idx\` (\`state\`, \`reserved_at\`)
    ) default character set utf8mb4 engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    for (const t of ['homestay_reservation', 'homestay_inventory', 'homestay_comment', 'homestay_activity', 'homestay', 'homestay_business']) {
      this.addSql(`drop table if exists \`${t}\`;`);
    }
  }
}
