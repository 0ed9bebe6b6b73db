-- 0003_member_lookup: find a member by card number or phone at once (a store may have 100,000+
-- members; a scan of their JSON took ~0.1-0.2 s). Partial expression indexes over H6's `master`
-- table; queries must say entity = 'member' literally for SQLite to use them.
CREATE INDEX master_member_card ON master(json_extract(data, '$.card_no')) WHERE entity = 'member';
CREATE INDEX master_member_phone ON master(json_extract(data, '$.phone')) WHERE entity = 'member';
