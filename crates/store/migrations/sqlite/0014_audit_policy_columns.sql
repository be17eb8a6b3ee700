-- What the tenant's policy did to a call (issue 17): the rule that decided it, its action, the
-- approval request the call waited on or spent, and who approved it (a JSON array of emails).
-- Calls no rule matched leave them NULL.
ALTER TABLE audit_log ADD COLUMN policy_rule TEXT;
ALTER TABLE audit_log ADD COLUMN policy_action TEXT;
ALTER TABLE audit_log ADD COLUMN policy_request TEXT;
ALTER TABLE audit_log ADD COLUMN approved_by TEXT;
