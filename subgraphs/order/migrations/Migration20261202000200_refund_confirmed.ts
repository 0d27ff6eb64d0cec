import { Migration } from '@mikro-orm/migrations';

/**
 * When the payment service confirmed a guest's refund (issue 13). The order becomes REFUNDED
 * before the money goes back, so a refund whose payment call failed is found by the order sweep
 * (REFUNDED, refund_amount > 0, not confirmed) and asked again.
 */
export class Migration20261202000200_refund_confirmed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`homestay_order\`
      add \`refund_confirmed_at\` datetime(3) null comment 'when the payment service confirmed the refund of refund_amount' after \`refund_amount\`,
      add index \`homestay_order_state_refund_confirmed_index\` (\`trade_state\`, \`refund_confirmed_at\`);`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table `homestay_order` drop index `homestay_order_state_refund_confirmed_index`, drop column `refund_confirmed_at`;');
  }
}
