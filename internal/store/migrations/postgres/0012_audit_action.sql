-- The audit log filtered by action (the web app's and the API's filter)
-- reads one action's entries newest first from this index instead of
-- scanning the whole log.
CREATE INDEX audit_log_action_id ON audit_log (action, id);
