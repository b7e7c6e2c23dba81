-- Each owner's open customers (stage new, contacted, engaged, qualified or
-- opportunity), kept by triggers on processes, so that assigning a customer
-- reads a row per owner instead of counting every open process (a count
-- that made opening a process slower the more were open: 30 ms at 24,000).
CREATE TABLE owner_loads (
    owner_id TEXT NOT NULL PRIMARY KEY,
    open     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO owner_loads (owner_id, open)
SELECT owner_id, count(*) FROM processes
WHERE owner_id IS NOT NULL AND stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity')
GROUP BY owner_id;

CREATE TRIGGER processes_load_insert AFTER INSERT ON processes
WHEN NEW.owner_id IS NOT NULL AND NEW.stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity')
BEGIN
    INSERT INTO owner_loads (owner_id, open) VALUES (NEW.owner_id, 1)
    ON CONFLICT (owner_id) DO UPDATE SET open = owner_loads.open + 1;
END;
CREATE TRIGGER processes_load_delete AFTER DELETE ON processes
WHEN OLD.owner_id IS NOT NULL AND OLD.stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity')
BEGIN
    UPDATE owner_loads SET open = open - 1 WHERE owner_id = OLD.owner_id;
END;
-- An update counts the old row out and the new one in (an upsert that
-- changes neither the owner nor the stage nets to nothing).
CREATE TRIGGER processes_load_update_old AFTER UPDATE OF owner_id, stage ON processes
WHEN OLD.owner_id IS NOT NULL AND OLD.stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity')
BEGIN
    UPDATE owner_loads SET open = open - 1 WHERE owner_id = OLD.owner_id;
END;
CREATE TRIGGER processes_load_update_new AFTER UPDATE OF owner_id, stage ON processes
WHEN NEW.owner_id IS NOT NULL AND NEW.stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity')
BEGIN
    INSERT INTO owner_loads (owner_id, open) VALUES (NEW.owner_id, 1)
    ON CONFLICT (owner_id) DO UPDATE SET open = owner_loads.open + 1;
END;
