"""Vouchers and coupons (代金券/优惠券/提货券): batches, codes, single use, pre-sold vouchers."""
