-- A merged customer has no leads (they moved to the customer it was merged
-- into), so it counts none. Merges made before this migration left the
-- count they had; every other summary column stays as it was at the merge.
UPDATE customers SET lead_count = 0 WHERE merged_into IS NOT NULL;
