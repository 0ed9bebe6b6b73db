"""Cost of goods: moving weighted average cost (移动加权平均) per product and warehouse."""
