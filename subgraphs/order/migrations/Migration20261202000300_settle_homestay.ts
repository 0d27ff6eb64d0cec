import { Migration } from '@mikro-orm/migrations';

/**
 * A landlord's earnings read from settle_record: each record names its homestay (back-filled from
 * its order), and a business's records are found by the day their stays ended (income over days).
 */
export class Migration20261202000300_settle_homestay extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`settle_record\`
      add \`homestay_id\` bigint unsigned null after \`business_id\`,
      add index \`settle_record_homestay_index\` (\`homestay_id\`, \`id\`),
      add index \`settle_record_business_end_index\` (\`business_id\`, \`period_end\`),
      drop index \`settle_record_business_index\`;`);
    this.addSql('update `settle_record` s join `homestay_order` o on o.sn = s.order_sn set s.homestay_id = o.homestay_id where s.homestay_id is null;');
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`settle_record\`
      add index \`settle_record_business_index\` (\`business_id\`),
      drop index \`settle_record_business_end_index\`,
      drop index \`settle_record_homestay_index\`,
      drop column \`homestay_id\`;`);
  }
}
