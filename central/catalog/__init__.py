"""The product catalogue: products (zh/en names, pinyin initials), categories, brands, units of
sale with conversion factors and barcodes, and suppliers."""
