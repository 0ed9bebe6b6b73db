"""Purchasing (采购): supplier prices, purchase orders, receipts, supplier returns, cost corrections, reorder."""
