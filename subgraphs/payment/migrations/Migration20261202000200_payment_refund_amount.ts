import { Migration } from '@mikro-orm/migrations';

/**
 * What a refund gave back: a guest's refund by policy may return part of a payment (issue 13).
 * Payments refunded before were refunded whole.
 */
export class Migration20261202000200_payment_refund_amount extends Migration {
  override async up(): Promise<void> {
    this.addSql("alter table `third_payment` add `refund_amount` int null comment 'cents given back; set when the payment becomes REFUNDED' after `pay_time`;");
    this.addSql('update `third_payment` set `refund_amount` = `pay_total` where `pay_status` = 2;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `third_payment` drop column `refund_amount`;');
  }
}
