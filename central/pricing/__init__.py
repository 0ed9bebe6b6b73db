"""Prices beyond the base price of each unit: price lists (customer groups, customers), member
levels and their prices, and promotions in the `sync.promotions` wire form, scoped to stores."""
