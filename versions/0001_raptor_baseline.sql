-- revision: 0001_raptor_baseline
-- down_revision: null
-- message: raptor baseline
-- create_date: 2026-11-01T09:00:00Z
-- transactional: true
-- migrate:upgrade sqlite
--
-- The raptor trading service, as its SQLite build created it.  The
-- postgresql section below is the same schema, table for table, column
-- for column, through the type map of SPEC.md:
--
--   INTEGER PRIMARY KEY AUTOINCREMENT    BIGSERIAL PRIMARY KEY
--   TEXT timestamp, CURRENT_TIMESTAMP    TIMESTAMPTZ, now()
--   TEXT holding JSON                    JSONB
--   INTEGER 0/1 with a CHECK             BOOLEAN
--   BLOB                                 BYTEA
--   REAL                                 DOUBLE PRECISION
--   INTEGER counts and ids               BIGINT
--
-- Tables are created parents first; the downgrade drops them in the
-- reverse order.  Foreign keys are enforced only on connections that
-- run PRAGMA foreign_keys = ON (the application does).

-- Accounts ----------------------------------------------------------------

CREATE TABLE users (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	email TEXT NOT NULL,
	password_hash TEXT,
	role TEXT NOT NULL DEFAULT 'customer'
		CHECK (role IN ('customer', 'support', 'admin')),
	status TEXT NOT NULL DEFAULT 'active'
		CHECK (status IN ('pending', 'active', 'suspended', 'closed')),
	email_verified INTEGER NOT NULL DEFAULT 0
		CHECK (email_verified IN (0, 1)),
	mfa_enabled INTEGER NOT NULL DEFAULT 0
		CHECK (mfa_enabled IN (0, 1)),
	locale TEXT NOT NULL DEFAULT 'en-CA',
	jurisdiction TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	last_login_at TEXT,
	closed_at TEXT
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Shadow of users, kept by triggers so that changes made outside the
-- application (the support console, a hand-run UPDATE) are captured too.
-- No foreign key: the history of a deleted account must survive it.
CREATE TABLE users_history (
	history_id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	changed_by INTEGER,
	row_data TEXT NOT NULL
);
CREATE INDEX users_history_user_idx ON users_history (user_id, changed_at);

CREATE TRIGGER users_history_update AFTER UPDATE ON users
BEGIN
	INSERT INTO users_history (user_id, op, row_data)
	VALUES (OLD.id, 'UPDATE', json_object(
		'id', OLD.id, 'email', OLD.email, 'role', OLD.role,
		'status', OLD.status, 'email_verified', OLD.email_verified,
		'mfa_enabled', OLD.mfa_enabled, 'locale', OLD.locale,
		'jurisdiction', OLD.jurisdiction, 'updated_at', OLD.updated_at));
END;

CREATE TRIGGER users_history_delete AFTER DELETE ON users
BEGIN
	INSERT INTO users_history (user_id, op, row_data)
	VALUES (OLD.id, 'DELETE', json_object(
		'id', OLD.id, 'email', OLD.email, 'role', OLD.role,
		'status', OLD.status, 'email_verified', OLD.email_verified,
		'mfa_enabled', OLD.mfa_enabled, 'locale', OLD.locale,
		'jurisdiction', OLD.jurisdiction, 'updated_at', OLD.updated_at));
END;

-- WebAuthn: public_key is the COSE key exactly as the authenticator sent
-- it, so it is binary.
CREATE TABLE webauthn_credentials (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	credential_id TEXT NOT NULL UNIQUE,
	public_key BLOB NOT NULL,
	sign_count INTEGER NOT NULL DEFAULT 0,
	transports TEXT,
	aaguid TEXT,
	backup_eligible INTEGER NOT NULL DEFAULT 0
		CHECK (backup_eligible IN (0, 1)),
	backup_state INTEGER NOT NULL DEFAULT 0
		CHECK (backup_state IN (0, 1)),
	nickname TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	last_used_at TEXT,
	revoked_at TEXT
);
CREATE INDEX webauthn_credentials_user_active_idx
	ON webauthn_credentials (user_id) WHERE revoked_at IS NULL;

CREATE TABLE webauthn_credentials_history (
	history_id INTEGER PRIMARY KEY AUTOINCREMENT,
	credential_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	changed_by INTEGER,
	row_data TEXT NOT NULL
);
CREATE INDEX webauthn_credentials_history_user_idx
	ON webauthn_credentials_history (user_id, changed_at);

CREATE TABLE backup_codes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	used_at TEXT,
	UNIQUE (user_id, code_hash)
);
CREATE INDEX backup_codes_user_unused_idx
	ON backup_codes (user_id) WHERE used_at IS NULL;

CREATE TABLE email_verifications (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	expires_at TEXT NOT NULL,
	verified_at TEXT
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);

-- A challenge for a passkey ceremony; user_id is NULL for a
-- discoverable-credential login, where the user is not known yet.
CREATE TABLE login_challenges (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
	challenge TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL
		CHECK (kind IN ('registration', 'authentication')),
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	expires_at TEXT NOT NULL,
	consumed_at TEXT
);
CREATE INDEX login_challenges_open_idx
	ON login_challenges (expires_at) WHERE consumed_at IS NULL;
CREATE INDEX login_challenges_user_idx ON login_challenges (user_id);

CREATE TABLE customer_sessions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	mfa_verified INTEGER NOT NULL DEFAULT 0
		CHECK (mfa_verified IN (0, 1)),
	ip_address TEXT,
	user_agent TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	last_seen_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	expires_at TEXT NOT NULL,
	revoked_at TEXT
);
CREATE INDEX customer_sessions_user_active_idx
	ON customer_sessions (user_id) WHERE revoked_at IS NULL;

-- The web framework's own session store (sid, sess, expire).
CREATE TABLE sessions (
	sid TEXT PRIMARY KEY,
	user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
	sess TEXT NOT NULL,
	expire TEXT NOT NULL
);
CREATE INDEX sessions_expire_idx ON sessions (expire);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Single-use tokens that let the first administrators in.  A token is
-- pending until it is used or revoked; only its hash is ever stored.
CREATE TABLE bootstrap_tokens_pending (
	token_hash TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT 'admin',
	created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	expires_at TEXT NOT NULL
);
CREATE INDEX bootstrap_tokens_pending_expires_idx
	ON bootstrap_tokens_pending (expires_at);

CREATE TABLE bootstrap_tokens_used (
	token_hash TEXT PRIMARY KEY,
	user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
	used_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	ip_address TEXT
);

CREATE TABLE bootstrap_tokens_revoked (
	token_hash TEXT PRIMARY KEY,
	revoked_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
	revoked_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	reason TEXT
);

CREATE TABLE onboarding_state (
	user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	step TEXT NOT NULL DEFAULT 'start',
	data TEXT NOT NULL DEFAULT '{}',
	kyc_status TEXT NOT NULL DEFAULT 'not_started'
		CHECK (kyc_status IN ('not_started', 'submitted', 'approved',
				      'rejected')),
	completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
	completed_at TEXT,
	updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE onboarding_state_history (
	history_id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	changed_by INTEGER,
	row_data TEXT NOT NULL
);
CREATE INDEX onboarding_state_history_user_idx
	ON onboarding_state_history (user_id, changed_at);

-- Audit -------------------------------------------------------------------

-- Two audit tables grew apart in the SQLite years: an admin log (actor,
-- action, target, details) and a security log (user, event, ip, user
-- agent, hash chain).  This one table holds the union of their columns;
-- the hash chain covers every row.  Audit rows outlive the accounts they
-- mention, hence ON DELETE SET NULL.
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
	subject_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
	action TEXT NOT NULL,
	target_type TEXT,
	target_id TEXT,
	ip_address TEXT,
	user_agent TEXT,
	details TEXT,
	prev_hash TEXT,
	entry_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_user_id);

CREATE TABLE audit_archival_runs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	started_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	finished_at TEXT,
	cutoff TEXT NOT NULL,
	first_audit_id INTEGER,
	last_audit_id INTEGER,
	rows_archived INTEGER NOT NULL DEFAULT 0,
	archive_uri TEXT,
	archive_sha256 TEXT,
	status TEXT NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'succeeded', 'failed')),
	error TEXT
);

CREATE TABLE audit_integrity_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	checked_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	first_audit_id INTEGER,
	last_audit_id INTEGER,
	rows_checked INTEGER NOT NULL DEFAULT 0,
	ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
	mismatch_audit_id INTEGER,
	details TEXT
);

-- What a customer sees under "account activity"; it goes with the
-- account.
CREATE TABLE customer_audit_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	event_type TEXT NOT NULL,
	ip_address TEXT,
	user_agent TEXT,
	details TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX customer_audit_events_user_idx
	ON customer_audit_events (user_id, created_at);

-- Data subject requests (access, erasure, ...).  The log of an erasure
-- must survive the erasure, so user_id is SET NULL and the email is kept
-- only as a hash.
CREATE TABLE dsr_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
	email_hash TEXT NOT NULL,
	request_type TEXT NOT NULL
		CHECK (request_type IN ('access', 'erasure', 'rectification',
					'portability')),
	status TEXT NOT NULL DEFAULT 'received'
		CHECK (status IN ('received', 'in_progress', 'completed',
				  'refused')),
	requested_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	due_at TEXT NOT NULL,
	completed_at TEXT,
	notes TEXT
);
CREATE INDEX dsr_log_open_idx ON dsr_log (due_at)
	WHERE completed_at IS NULL;

-- Support (FreeScout) and e-mail (Postmark) -------------------------------

CREATE TABLE support_customer_map (
	user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	freescout_customer_id INTEGER NOT NULL UNIQUE,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE support_customer_map_history (
	history_id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	changed_by INTEGER,
	row_data TEXT NOT NULL
);
CREATE INDEX support_customer_map_history_user_idx
	ON support_customer_map_history (user_id, changed_at);

CREATE TABLE support_audit_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
	agent TEXT NOT NULL,
	action TEXT NOT NULL,
	ticket_id INTEGER,
	details TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX support_audit_log_user_idx ON support_audit_log (user_id);

-- Tickets written while FreeScout was unreachable, retried with backoff.
CREATE TABLE support_pending_submissions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	attachments TEXT,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	next_attempt_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX support_pending_submissions_due_idx
	ON support_pending_submissions (next_attempt_at);
CREATE INDEX support_pending_submissions_user_idx
	ON support_pending_submissions (user_id);

-- ticket_id is FreeScout's, not ours: a plain key, no sequence.
CREATE TABLE freescout_ticket_cache (
	ticket_id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject TEXT,
	status TEXT,
	last_thread_at TEXT,
	payload TEXT NOT NULL,
	fetched_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX freescout_ticket_cache_user_idx
	ON freescout_ticket_cache (user_id);

CREATE TABLE postmark_inbound_dedup (
	message_id TEXT PRIMARY KEY,
	from_email TEXT,
	subject TEXT,
	payload_sha256 TEXT NOT NULL,
	received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE postmark_delivery_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	message_id TEXT NOT NULL,
	record_type TEXT NOT NULL,
	recipient TEXT NOT NULL,
	event_at TEXT NOT NULL,
	payload TEXT NOT NULL,
	received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX postmark_delivery_events_message_idx
	ON postmark_delivery_events (message_id);
CREATE INDEX postmark_delivery_events_recipient_idx
	ON postmark_delivery_events (recipient, event_at);

-- Tracing -----------------------------------------------------------------

CREATE TABLE trace_workflows (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
	status TEXT NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'succeeded', 'failed')),
	attributes TEXT,
	started_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	finished_at TEXT
);
CREATE INDEX trace_workflows_started_idx ON trace_workflows (started_at);
CREATE INDEX trace_workflows_user_idx ON trace_workflows (user_id);

CREATE TABLE trace_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	workflow_id TEXT NOT NULL
		REFERENCES trace_workflows (id) ON DELETE CASCADE,
	span_id TEXT NOT NULL,
	parent_span_id TEXT,
	name TEXT NOT NULL,
	level TEXT NOT NULL DEFAULT 'info'
		CHECK (level IN ('debug', 'info', 'warn', 'error')),
	duration_ms REAL,
	attributes TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX trace_events_workflow_idx ON trace_events (workflow_id);

-- Vendor billing ----------------------------------------------------------

CREATE TABLE vendor_billing_snapshots (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	vendor TEXT NOT NULL,
	period_start TEXT NOT NULL,
	period_end TEXT NOT NULL,
	amount_usd REAL NOT NULL,
	usage TEXT,
	captured_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	UNIQUE (vendor, period_start, captured_at)
);

-- Vendors billed a flat monthly amount, which no API reports.
CREATE TABLE vendor_billing_fixed (
	vendor TEXT PRIMARY KEY,
	monthly_usd REAL NOT NULL,
	notes TEXT,
	updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE vendor_billing_alert_config (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	vendor TEXT NOT NULL UNIQUE,
	threshold_usd REAL NOT NULL,
	enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	notify_email TEXT NOT NULL,
	updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE vendor_billing_alert_config_history (
	history_id INTEGER PRIMARY KEY AUTOINCREMENT,
	config_id INTEGER NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	changed_by INTEGER,
	row_data TEXT NOT NULL
);
CREATE INDEX vendor_billing_alert_config_history_config_idx
	ON vendor_billing_alert_config_history (config_id, changed_at);

CREATE TABLE vendor_billing_alert_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	config_id INTEGER NOT NULL
		REFERENCES vendor_billing_alert_config (id) ON DELETE CASCADE,
	amount_usd REAL NOT NULL,
	threshold_usd REAL NOT NULL,
	message TEXT,
	sent_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX vendor_billing_alert_log_config_idx
	ON vendor_billing_alert_log (config_id, sent_at);

-- Market data and paper trading -------------------------------------------

CREATE TABLE symbols (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	ticker TEXT NOT NULL,
	exchange TEXT NOT NULL,
	name TEXT,
	asset_class TEXT NOT NULL DEFAULT 'equity'
		CHECK (asset_class IN ('equity', 'etf', 'crypto', 'fx')),
	currency TEXT NOT NULL DEFAULT 'USD',
	tick_size REAL NOT NULL DEFAULT 0.01,
	lot_size INTEGER NOT NULL DEFAULT 1,
	is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
	metadata TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	UNIQUE (exchange, ticker)
);

CREATE TABLE symbols_history (
	history_id INTEGER PRIMARY KEY AUTOINCREMENT,
	symbol_id INTEGER NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	changed_by INTEGER,
	row_data TEXT NOT NULL
);
CREATE INDEX symbols_history_symbol_idx
	ON symbols_history (symbol_id, changed_at);

CREATE TABLE historical_bars (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	symbol_id INTEGER NOT NULL
		REFERENCES symbols (id) ON DELETE CASCADE,
	timeframe TEXT NOT NULL
		CHECK (timeframe IN ('1m', '5m', '15m', '1h', '1d')),
	bar_time TEXT NOT NULL,
	open REAL NOT NULL,
	high REAL NOT NULL,
	low REAL NOT NULL,
	close REAL NOT NULL,
	volume INTEGER NOT NULL DEFAULT 0,
	vwap REAL,
	trade_count INTEGER,
	source TEXT NOT NULL DEFAULT 'polygon',
	UNIQUE (symbol_id, timeframe, bar_time)
);

CREATE TABLE paper_orders (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	symbol_id INTEGER NOT NULL REFERENCES symbols (id),
	client_order_id TEXT NOT NULL,
	side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
	order_type TEXT NOT NULL
		CHECK (order_type IN ('market', 'limit', 'stop', 'stop_limit')),
	quantity REAL NOT NULL CHECK (quantity > 0),
	limit_price REAL,
	stop_price REAL,
	time_in_force TEXT NOT NULL DEFAULT 'day'
		CHECK (time_in_force IN ('day', 'gtc', 'ioc', 'fok')),
	status TEXT NOT NULL DEFAULT 'new'
		CHECK (status IN ('new', 'partially_filled', 'filled',
				  'cancelled', 'rejected')),
	filled_quantity REAL NOT NULL DEFAULT 0,
	avg_fill_price REAL,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	filled_at TEXT,
	cancelled_at TEXT,
	UNIQUE (user_id, client_order_id)
);
CREATE INDEX paper_orders_open_idx ON paper_orders (user_id, symbol_id)
	WHERE status IN ('new', 'partially_filled');
CREATE INDEX paper_orders_symbol_idx ON paper_orders (symbol_id);

-- Marketing ---------------------------------------------------------------

-- People who asked to hear when raptor opens in Quebec.  Not accounts.
CREATE TABLE quebec_waitlist (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	email TEXT NOT NULL,
	locale TEXT NOT NULL DEFAULT 'fr-CA',
	consent_marketing INTEGER NOT NULL DEFAULT 0
		CHECK (consent_marketing IN (0, 1)),
	source TEXT,
	created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	notified_at TEXT
);
CREATE UNIQUE INDEX quebec_waitlist_email_lower_key
	ON quebec_waitlist (lower(email));

-- migrate:upgrade postgresql
--
-- The same schema as the sqlite section, through the type map (see the
-- top of that section).  Every table and index keeps its name, and every
-- column its name and position, so that data copied table by table lands
-- where it belongs.

-- Accounts ----------------------------------------------------------------

CREATE TABLE users (
	id BIGSERIAL PRIMARY KEY,
	email TEXT NOT NULL,
	password_hash TEXT,
	role TEXT NOT NULL DEFAULT 'customer'
		CHECK (role IN ('customer', 'support', 'admin')),
	status TEXT NOT NULL DEFAULT 'active'
		CHECK (status IN ('pending', 'active', 'suspended', 'closed')),
	email_verified BOOLEAN NOT NULL DEFAULT FALSE,
	mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE,
	locale TEXT NOT NULL DEFAULT 'en-CA',
	jurisdiction TEXT,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	last_login_at TIMESTAMPTZ,
	closed_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Shadow of users, kept by a trigger (see the sqlite section for why).
CREATE TABLE users_history (
	history_id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	changed_by BIGINT,
	row_data JSONB NOT NULL
);
CREATE INDEX users_history_user_idx ON users_history (user_id, changed_at);

-- One function serves both events; TG_OP is 'UPDATE' or 'DELETE'.
-- Unlike a table's indexes and sequences, a function is not dropped
-- with the table: the downgrade drops it by name.
CREATE FUNCTION users_history_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO users_history (user_id, op, row_data)
	VALUES (OLD.id, TG_OP, to_jsonb(OLD) - 'password_hash');
	RETURN NULL;
END;
$$;

CREATE TRIGGER users_history_capture AFTER UPDATE OR DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION users_history_capture();

CREATE TABLE webauthn_credentials (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	credential_id TEXT NOT NULL UNIQUE,
	public_key BYTEA NOT NULL,
	sign_count BIGINT NOT NULL DEFAULT 0,
	transports JSONB,
	aaguid TEXT,
	backup_eligible BOOLEAN NOT NULL DEFAULT FALSE,
	backup_state BOOLEAN NOT NULL DEFAULT FALSE,
	nickname TEXT,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	last_used_at TIMESTAMPTZ,
	revoked_at TIMESTAMPTZ
);
CREATE INDEX webauthn_credentials_user_active_idx
	ON webauthn_credentials (user_id) WHERE revoked_at IS NULL;

CREATE TABLE webauthn_credentials_history (
	history_id BIGSERIAL PRIMARY KEY,
	credential_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	changed_by BIGINT,
	row_data JSONB NOT NULL
);
CREATE INDEX webauthn_credentials_history_user_idx
	ON webauthn_credentials_history (user_id, changed_at);

CREATE TABLE backup_codes (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	used_at TIMESTAMPTZ,
	UNIQUE (user_id, code_hash)
);
CREATE INDEX backup_codes_user_unused_idx
	ON backup_codes (user_id) WHERE used_at IS NULL;

CREATE TABLE email_verifications (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	expires_at TIMESTAMPTZ NOT NULL,
	verified_at TIMESTAMPTZ
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);

CREATE TABLE login_challenges (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
	challenge TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL
		CHECK (kind IN ('registration', 'authentication')),
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	expires_at TIMESTAMPTZ NOT NULL,
	consumed_at TIMESTAMPTZ
);
CREATE INDEX login_challenges_open_idx
	ON login_challenges (expires_at) WHERE consumed_at IS NULL;
CREATE INDEX login_challenges_user_idx ON login_challenges (user_id);

CREATE TABLE customer_sessions (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	mfa_verified BOOLEAN NOT NULL DEFAULT FALSE,
	ip_address TEXT,
	user_agent TEXT,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	expires_at TIMESTAMPTZ NOT NULL,
	revoked_at TIMESTAMPTZ
);
CREATE INDEX customer_sessions_user_active_idx
	ON customer_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE sessions (
	sid TEXT PRIMARY KEY,
	user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
	sess JSONB NOT NULL,
	expire TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expire_idx ON sessions (expire);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE bootstrap_tokens_pending (
	token_hash TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT 'admin',
	created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX bootstrap_tokens_pending_expires_idx
	ON bootstrap_tokens_pending (expires_at);

CREATE TABLE bootstrap_tokens_used (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
	used_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	ip_address TEXT
);

CREATE TABLE bootstrap_tokens_revoked (
	token_hash TEXT PRIMARY KEY,
	revoked_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	revoked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	reason TEXT
);

CREATE TABLE onboarding_state (
	user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	step TEXT NOT NULL DEFAULT 'start',
	data JSONB NOT NULL DEFAULT '{}',
	kyc_status TEXT NOT NULL DEFAULT 'not_started'
		CHECK (kyc_status IN ('not_started', 'submitted', 'approved',
				      'rejected')),
	completed BOOLEAN NOT NULL DEFAULT FALSE,
	completed_at TIMESTAMPTZ,
	updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE onboarding_state_history (
	history_id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	changed_by BIGINT,
	row_data JSONB NOT NULL
);
CREATE INDEX onboarding_state_history_user_idx
	ON onboarding_state_history (user_id, changed_at);

-- Audit -------------------------------------------------------------------

CREATE TABLE audit_log (
	id BIGSERIAL PRIMARY KEY,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	actor_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	subject_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	action TEXT NOT NULL,
	target_type TEXT,
	target_id TEXT,
	ip_address TEXT,
	user_agent TEXT,
	details JSONB,
	prev_hash TEXT,
	entry_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_user_id);

CREATE TABLE audit_archival_runs (
	id BIGSERIAL PRIMARY KEY,
	started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	finished_at TIMESTAMPTZ,
	cutoff TIMESTAMPTZ NOT NULL,
	first_audit_id BIGINT,
	last_audit_id BIGINT,
	rows_archived BIGINT NOT NULL DEFAULT 0,
	archive_uri TEXT,
	archive_sha256 TEXT,
	status TEXT NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'succeeded', 'failed')),
	error TEXT
);

CREATE TABLE audit_integrity_log (
	id BIGSERIAL PRIMARY KEY,
	checked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	first_audit_id BIGINT,
	last_audit_id BIGINT,
	rows_checked BIGINT NOT NULL DEFAULT 0,
	ok BOOLEAN NOT NULL,
	mismatch_audit_id BIGINT,
	details JSONB
);

CREATE TABLE customer_audit_events (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	event_type TEXT NOT NULL,
	ip_address TEXT,
	user_agent TEXT,
	details JSONB,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX customer_audit_events_user_idx
	ON customer_audit_events (user_id, created_at);

CREATE TABLE dsr_log (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	email_hash TEXT NOT NULL,
	request_type TEXT NOT NULL
		CHECK (request_type IN ('access', 'erasure', 'rectification',
					'portability')),
	status TEXT NOT NULL DEFAULT 'received'
		CHECK (status IN ('received', 'in_progress', 'completed',
				  'refused')),
	requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	due_at TIMESTAMPTZ NOT NULL,
	completed_at TIMESTAMPTZ,
	notes TEXT
);
CREATE INDEX dsr_log_open_idx ON dsr_log (due_at)
	WHERE completed_at IS NULL;

-- Support (FreeScout) and e-mail (Postmark) -------------------------------

CREATE TABLE support_customer_map (
	user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	freescout_customer_id BIGINT NOT NULL UNIQUE,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE support_customer_map_history (
	history_id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	changed_by BIGINT,
	row_data JSONB NOT NULL
);
CREATE INDEX support_customer_map_history_user_idx
	ON support_customer_map_history (user_id, changed_at);

CREATE TABLE support_audit_log (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	agent TEXT NOT NULL,
	action TEXT NOT NULL,
	ticket_id BIGINT,
	details JSONB,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX support_audit_log_user_idx ON support_audit_log (user_id);

CREATE TABLE support_pending_submissions (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	attachments JSONB,
	attempts BIGINT NOT NULL DEFAULT 0,
	last_error TEXT,
	next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX support_pending_submissions_due_idx
	ON support_pending_submissions (next_attempt_at);
CREATE INDEX support_pending_submissions_user_idx
	ON support_pending_submissions (user_id);

CREATE TABLE freescout_ticket_cache (
	ticket_id BIGINT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	subject TEXT,
	status TEXT,
	last_thread_at TIMESTAMPTZ,
	payload JSONB NOT NULL,
	fetched_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX freescout_ticket_cache_user_idx
	ON freescout_ticket_cache (user_id);

CREATE TABLE postmark_inbound_dedup (
	message_id TEXT PRIMARY KEY,
	from_email TEXT,
	subject TEXT,
	payload_sha256 TEXT NOT NULL,
	received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE postmark_delivery_events (
	id BIGSERIAL PRIMARY KEY,
	message_id TEXT NOT NULL,
	record_type TEXT NOT NULL,
	recipient TEXT NOT NULL,
	event_at TIMESTAMPTZ NOT NULL,
	payload JSONB NOT NULL,
	received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX postmark_delivery_events_message_idx
	ON postmark_delivery_events (message_id);
CREATE INDEX postmark_delivery_events_recipient_idx
	ON postmark_delivery_events (recipient, event_at);

-- Tracing -----------------------------------------------------------------

CREATE TABLE trace_workflows (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	status TEXT NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'succeeded', 'failed')),
	attributes JSONB,
	started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	finished_at TIMESTAMPTZ
);
CREATE INDEX trace_workflows_started_idx ON trace_workflows (started_at);
CREATE INDEX trace_workflows_user_idx ON trace_workflows (user_id);

CREATE TABLE trace_events (
	id BIGSERIAL PRIMARY KEY,
	workflow_id TEXT NOT NULL
		REFERENCES trace_workflows (id) ON DELETE CASCADE,
	span_id TEXT NOT NULL,
	parent_span_id TEXT,
	name TEXT NOT NULL,
	level TEXT NOT NULL DEFAULT 'info'
		CHECK (level IN ('debug', 'info', 'warn', 'error')),
	duration_ms DOUBLE PRECISION,
	attributes JSONB,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX trace_events_workflow_idx ON trace_events (workflow_id);

-- Vendor billing ----------------------------------------------------------

CREATE TABLE vendor_billing_snapshots (
	id BIGSERIAL PRIMARY KEY,
	vendor TEXT NOT NULL,
	period_start TIMESTAMPTZ NOT NULL,
	period_end TIMESTAMPTZ NOT NULL,
	amount_usd DOUBLE PRECISION NOT NULL,
	usage JSONB,
	captured_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	UNIQUE (vendor, period_start, captured_at)
);

CREATE TABLE vendor_billing_fixed (
	vendor TEXT PRIMARY KEY,
	monthly_usd DOUBLE PRECISION NOT NULL,
	notes TEXT,
	updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE vendor_billing_alert_config (
	id BIGSERIAL PRIMARY KEY,
	vendor TEXT NOT NULL UNIQUE,
	threshold_usd DOUBLE PRECISION NOT NULL,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	notify_email TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE vendor_billing_alert_config_history (
	history_id BIGSERIAL PRIMARY KEY,
	config_id BIGINT NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	changed_by BIGINT,
	row_data JSONB NOT NULL
);
CREATE INDEX vendor_billing_alert_config_history_config_idx
	ON vendor_billing_alert_config_history (config_id, changed_at);

CREATE TABLE vendor_billing_alert_log (
	id BIGSERIAL PRIMARY KEY,
	config_id BIGINT NOT NULL
		REFERENCES vendor_billing_alert_config (id) ON DELETE CASCADE,
	amount_usd DOUBLE PRECISION NOT NULL,
	threshold_usd DOUBLE PRECISION NOT NULL,
	message TEXT,
	sent_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX vendor_billing_alert_log_config_idx
	ON vendor_billing_alert_log (config_id, sent_at);

-- Market data and paper trading -------------------------------------------

CREATE TABLE symbols (
	id BIGSERIAL PRIMARY KEY,
	ticker TEXT NOT NULL,
	exchange TEXT NOT NULL,
	name TEXT,
	asset_class TEXT NOT NULL DEFAULT 'equity'
		CHECK (asset_class IN ('equity', 'etf', 'crypto', 'fx')),
	currency TEXT NOT NULL DEFAULT 'USD',
	tick_size DOUBLE PRECISION NOT NULL DEFAULT 0.01,
	lot_size BIGINT NOT NULL DEFAULT 1,
	is_active BOOLEAN NOT NULL DEFAULT TRUE,
	metadata JSONB,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	UNIQUE (exchange, ticker)
);

CREATE TABLE symbols_history (
	history_id BIGSERIAL PRIMARY KEY,
	symbol_id BIGINT NOT NULL,
	op TEXT NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	changed_by BIGINT,
	row_data JSONB NOT NULL
);
CREATE INDEX symbols_history_symbol_idx
	ON symbols_history (symbol_id, changed_at);

CREATE TABLE historical_bars (
	id BIGSERIAL PRIMARY KEY,
	symbol_id BIGINT NOT NULL
		REFERENCES symbols (id) ON DELETE CASCADE,
	timeframe TEXT NOT NULL
		CHECK (timeframe IN ('1m', '5m', '15m', '1h', '1d')),
	bar_time TIMESTAMPTZ NOT NULL,
	open DOUBLE PRECISION NOT NULL,
	high DOUBLE PRECISION NOT NULL,
	low DOUBLE PRECISION NOT NULL,
	close DOUBLE PRECISION NOT NULL,
	volume BIGINT NOT NULL DEFAULT 0,
	vwap DOUBLE PRECISION,
	trade_count BIGINT,
	source TEXT NOT NULL DEFAULT 'polygon',
	UNIQUE (symbol_id, timeframe, bar_time)
);

CREATE TABLE paper_orders (
	id BIGSERIAL PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	symbol_id BIGINT NOT NULL REFERENCES symbols (id),
	client_order_id TEXT NOT NULL,
	side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
	order_type TEXT NOT NULL
		CHECK (order_type IN ('market', 'limit', 'stop', 'stop_limit')),
	quantity DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
	limit_price DOUBLE PRECISION,
	stop_price DOUBLE PRECISION,
	time_in_force TEXT NOT NULL DEFAULT 'day'
		CHECK (time_in_force IN ('day', 'gtc', 'ioc', 'fok')),
	status TEXT NOT NULL DEFAULT 'new'
		CHECK (status IN ('new', 'partially_filled', 'filled',
				  'cancelled', 'rejected')),
	filled_quantity DOUBLE PRECISION NOT NULL DEFAULT 0,
	avg_fill_price DOUBLE PRECISION,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	filled_at TIMESTAMPTZ,
	cancelled_at TIMESTAMPTZ,
	UNIQUE (user_id, client_order_id)
);
CREATE INDEX paper_orders_open_idx ON paper_orders (user_id, symbol_id)
	WHERE status IN ('new', 'partially_filled');
CREATE INDEX paper_orders_symbol_idx ON paper_orders (symbol_id);

-- Marketing ---------------------------------------------------------------

CREATE TABLE quebec_waitlist (
	id BIGSERIAL PRIMARY KEY,
	email TEXT NOT NULL,
	locale TEXT NOT NULL DEFAULT 'fr-CA',
	consent_marketing BOOLEAN NOT NULL DEFAULT FALSE,
	source TEXT,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	notified_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX quebec_waitlist_email_lower_key
	ON quebec_waitlist (lower(email));

-- migrate:downgrade sqlite
--
-- Children before parents.  Dropping a table drops its indexes and
-- triggers with it.  SQLite keeps its internal sqlite_sequence table
-- (created by the first AUTOINCREMENT table) once it exists; dropping the
-- tables empties it, and SQLite refuses to drop it.
DROP TABLE quebec_waitlist;
DROP TABLE paper_orders;
DROP TABLE historical_bars;
DROP TABLE symbols_history;
DROP TABLE symbols;
DROP TABLE vendor_billing_alert_log;
DROP TABLE vendor_billing_alert_config_history;
DROP TABLE vendor_billing_alert_config;
DROP TABLE vendor_billing_fixed;
DROP TABLE vendor_billing_snapshots;
DROP TABLE trace_events;
DROP TABLE trace_workflows;
DROP TABLE postmark_delivery_events;
DROP TABLE postmark_inbound_dedup;
DROP TABLE freescout_ticket_cache;
DROP TABLE support_pending_submissions;
DROP TABLE support_audit_log;
DROP TABLE support_customer_map_history;
DROP TABLE support_customer_map;
DROP TABLE dsr_log;
DROP TABLE customer_audit_events;
DROP TABLE audit_integrity_log;
DROP TABLE audit_archival_runs;
DROP TABLE audit_log;
DROP TABLE onboarding_state_history;
DROP TABLE onboarding_state;
DROP TABLE bootstrap_tokens_revoked;
DROP TABLE bootstrap_tokens_used;
DROP TABLE bootstrap_tokens_pending;
DROP TABLE sessions;
DROP TABLE customer_sessions;
DROP TABLE login_challenges;
DROP TABLE email_verifications;
DROP TABLE backup_codes;
DROP TABLE webauthn_credentials_history;
DROP TABLE webauthn_credentials;
DROP TABLE users;
DROP TABLE users_history;

-- migrate:downgrade postgresql
--
-- Children before parents.  Dropping a table drops its indexes,
-- constraints, triggers and BIGSERIAL sequences with it; the trigger
-- function is the one object that must be dropped by name.
DROP TABLE quebec_waitlist;
DROP TABLE paper_orders;
DROP TABLE historical_bars;
DROP TABLE symbols_history;
DROP TABLE symbols;
DROP TABLE vendor_billing_alert_log;
DROP TABLE vendor_billing_alert_config_history;
DROP TABLE vendor_billing_alert_config;
DROP TABLE vendor_billing_fixed;
DROP TABLE vendor_billing_snapshots;
DROP TABLE trace_events;
DROP TABLE trace_workflows;
DROP TABLE postmark_delivery_events;
DROP TABLE postmark_inbound_dedup;
DROP TABLE freescout_ticket_cache;
DROP TABLE support_pending_submissions;
DROP TABLE support_audit_log;
DROP TABLE support_customer_map_history;
DROP TABLE support_customer_map;
DROP TABLE dsr_log;
DROP TABLE customer_audit_events;
DROP TABLE audit_integrity_log;
DROP TABLE audit_archival_runs;
DROP TABLE audit_log;
DROP TABLE onboarding_state_history;
DROP TABLE onboarding_state;
DROP TABLE bootstrap_tokens_revoked;
DROP TABLE bootstrap_tokens_used;
DROP TABLE bootstrap_tokens_pending;
DROP TABLE sessions;
DROP TABLE customer_sessions;
DROP TABLE login_challenges;
DROP TABLE email_verifications;
DROP TABLE backup_codes;
DROP TABLE webauthn_credentials_history;
DROP TABLE webauthn_credentials;
DROP TABLE users;
DROP TABLE users_history;
DROP FUNCTION users_history_capture();
