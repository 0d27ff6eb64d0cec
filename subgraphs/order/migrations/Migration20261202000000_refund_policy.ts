import { Migration } from '@mikro-orm/migrations';

/**
 * Refunds by policy and the landlord's view of orders: the policy the guest booked under (a
 * snapshot, as the prices are), the amount a refund gave back, and an index for a landlord's orders.
 */
export class Migration20261202000000_refund_policy extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`homestay_order\`
      add \`cancellation_policy\` varchar(16) null comment 'FLEXIBLE, MODERATE or STRICT at booking time',
      add \`refund_amount\` int null comment 'cents given back; set when the order becomes REFUNDED',
      add index \`homestay_order_landlord_index\` (\`homestay_user_id\`, \`id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table `homestay_order` drop index `homestay_order_landlord_index`, drop column `refund_amount`, drop column `cancellation_policy`;');
  }
}
