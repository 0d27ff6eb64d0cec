import { describe, expect, it } from 'vitest';
import { addDays, nightsBetween, stamp, todayIn } from '../../../lib/dates.js';
import { checkOrderInput, newOrderSn, newTradeCode, priceOrder } from '../../../subgraphs/order/service.js';
import { bookedSnapshot } from '../../../subgraphs/order/booking-rules.js';
import type { HomestayInfo } from '../../../contracts/homestay.js';

describe('order pricing and input rules', () => {
  it('prices per room and per person, food per guest and night', () => {
    expect(priceOrder({ rowType: 'PER_ROOM', price: 30000, foodPrice: 5000 }, 3, 2, false)).toEqual({ homestayTotal: 60000, foodTotal: 0, total: 60000 });
    expect(priceOrder({ rowType: 'PER_ROOM', price: 30000, foodPrice: 5000 }, 3, 2, true)).toEqual({ homestayTotal: 60000, foodTotal: 30000, total: 90000 });
    expect(priceOrder({ rowType: 'PER_PERSON', price: 10000, foodPrice: 2500 }, 3, 2, true)).toEqual({ homestayTotal: 60000, foodTotal: 15000, total: 75000 });
  });

  it('makes sns as looklook: HSO + yyyyMMddHHmmss in APP_TIMEZONE + 8 digits', () => {
    const sn = newOrderSn(new Date('2026-01-31T16:30:05Z'));
    expect(sn).toMatch(/^HSO20260201003005\d{8}$/); // Asia/Shanghai is UTC+8
    expect(newTradeCode()).toMatch(/^[A-Z2-9]{8}$/);
  });

  it('computes today and nights in the platform time zone', () => {
    expect(todayIn('Asia/Shanghai', new Date('2026-03-01T17:00:00Z'))).toBe('2026-03-02');
    expect(todayIn('UTC', new Date('2026-03-01T17:00:00Z'))).toBe('2026-03-01');
    expect(stamp(new Date('2026-03-01T17:00:00Z'), 'UTC')).toBe('20260301170000');
    expect(nightsBetween('2026-02-27', '2026-03-02')).toBe(3);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  const base = { homestayId: '1', checkIn: '2026-05-01', checkOut: '2026-05-03', guests: 2 };
  const today = '2026-05-01';
  it('accepts a stay from today and returns its nights', () => {
    expect(checkOrderInput(base, today)).toBe(2);
    expect(checkOrderInput({ ...base, checkOut: '2026-05-31' }, today)).toBe(30);
  });
  it.each([
    ['a past checkIn', { checkIn: '2026-04-30' }, 'input.checkIn'],
    ['checkOut on checkIn', { checkOut: '2026-05-01' }, 'input.checkOut'],
    ['checkOut before checkIn', { checkOut: '2026-04-30', checkIn: '2026-05-02' }, 'input.checkOut'],
    ['31 nights', { checkOut: '2026-06-01' }, 'input.checkOut'],
    ['no guests', { guests: 0 }, 'input.guests'],
    ['a long remark', { remark: 'x'.repeat(256) }, 'input.remark'],
    ['an empty idempotencyKey', { idempotencyKey: '' }, 'input.idempotencyKey'],
  ])('refuses %s', (_n, patch, field) => {
    expect(() => checkOrderInput({ ...base, ...patch }, today)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argumentName: field }) }),
    );
  });

  const homestay: HomestayInfo = {
    id: '7', title: 'Loft', subTitle: 'by the sea', cover: 'https://img.example/1.jpg', info: 'quiet', peopleNum: 4, roomCount: 2,
    rowType: 'PER_PERSON', onSale: true, foodInfo: 'breakfast', foodPrice: 2500, price: 10000, marketPrice: 12000,
    businessId: '3', landlordId: '9', cancellationPolicy: 'STRICT',
  };
  it('snapshots the reserved homestay with the prices into the confirmed order', () => {
    expect(bookedSnapshot(homestay, 3, 2, true)).toEqual({
      homestayId: '7', title: 'Loft', subTitle: 'by the sea', cover: 'https://img.example/1.jpg', info: 'quiet', peopleNum: 4,
      rowType: 1, foodInfo: 'breakfast', foodPrice: 2500, homestayPrice: 10000, marketHomestayPrice: 12000,
      homestayBusinessId: '3', homestayUserId: '9', cancellationPolicy: 'STRICT',
      homestayTotalPrice: 60000, foodTotalPrice: 15000, orderTotalPrice: 75000,
    });
  });
  it('refuses a total past what an order holds', () => {
    expect(() => bookedSnapshot({ ...homestay, price: 40_000_000 }, 2, 30, false)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argumentName: 'input.checkOut' }) }),
    );
  });
});
