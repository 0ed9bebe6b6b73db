"""Loans of goods (借还货): goods lent to staff, customers or suppliers, and given back."""
