import { Migration } from '@mikro-orm/migrations';

/** The trace context of the request that wrote an event, sent on as Kafka message headers. */
export class Migration20261123000000_outbox_headers extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table `payment_outbox` add column `headers` varchar(512) null comment 'Kafka message headers (JSON): traceparent, x-request-id' after `payload`");
  }

  override async down(): Promise<void> {
    this.addSql('alter table `payment_outbox` drop column `headers`');
  }
}
