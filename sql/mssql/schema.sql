-- syncd staging tables for mssql, table prefix WI_
-- syncd 中间表建表语句（mssql）。由程序生成，请勿手工修改；重新生成：
--   syncd init-db --print-sql --dialect mssql > sql/mssql/schema.sql
-- Timestamps are naive local time. 时间字段均为本地时间（不带时区）。

CREATE TABLE wi_sync_status (
	id BIGINT NOT NULL IDENTITY,
	feed NVARCHAR(64) NOT NULL,
	source_key NVARCHAR(200) NOT NULL,
	version NVARCHAR(64) NULL DEFAULT '',
	function_id NVARCHAR(32) NOT NULL,
	visit_key NVARCHAR(64) NULL,
	status NVARCHAR(16) NOT NULL DEFAULT 'PENDING',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	lease_owner NVARCHAR(64) NULL,
	lease_until DATETIME2 NULL,
	request_id NVARCHAR(64) NULL,
	return_code NVARCHAR(16) NULL,
	return_code_message NVARCHAR(1000) NULL,
	result_json NVARCHAR(max) NULL,
	last_error NVARCHAR(1000) NULL,
	aaz218 NVARCHAR(32) NULL,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	updated_at DATETIME2 NULL,
	finished_at DATETIME2 NULL,
	fingerprint NVARCHAR(64) NULL,
	blocked_by NVARCHAR(300) NULL,
	CONSTRAINT wi_sync_status_pk PRIMARY KEY (id),
	CONSTRAINT wi_sync_status_uq UNIQUE (feed, source_key, version)
);

CREATE INDEX wi_sync_status_ix_done ON wi_sync_status (feed, status, finished_at);

CREATE INDEX wi_sync_status_ix_due ON wi_sync_status (status, next_attempt_at);

CREATE INDEX wi_sync_status_ix_visit ON wi_sync_status (visit_key);

CREATE TABLE wi_visit (
	id BIGINT NOT NULL IDENTITY,
	visit_key NVARCHAR(64) NOT NULL,
	kind NVARCHAR(16) NOT NULL,
	aaz218 NVARCHAR(32) NULL,
	aac001 NVARCHAR(32) NULL,
	bka025 NVARCHAR(32) NULL,
	state NVARCHAR(16) NOT NULL DEFAULT 'NONE',
	last_batch INTEGER NOT NULL DEFAULT 0,
	fee_count INTEGER NOT NULL DEFAULT 0,
	fee_amount NUMERIC(14, 2) NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 0,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	updated_at DATETIME2 NULL,
	state_changed_at DATETIME2 NULL,
	fee_rows INTEGER NULL,
	CONSTRAINT wi_visit_pk PRIMARY KEY (id),
	CONSTRAINT wi_visit_uq UNIQUE (visit_key, kind)
);

CREATE INDEX wi_visit_ix_z218 ON wi_visit (aaz218);

CREATE TABLE wi_request (
	id BIGINT NOT NULL IDENTITY,
	command NVARCHAR(32) NOT NULL,
	visit_key NVARCHAR(64) NULL,
	bka895 NVARCHAR(16) NULL,
	bka896 NVARCHAR(64) NULL,
	aaz218 NVARCHAR(32) NULL,
	params_json NVARCHAR(max) NULL,
	requested_by NVARCHAR(64) NULL,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	status NVARCHAR(16) NOT NULL DEFAULT 'NEW',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	lease_owner NVARCHAR(64) NULL,
	lease_until DATETIME2 NULL,
	call_id NVARCHAR(64) NULL,
	return_code NVARCHAR(16) NULL,
	return_code_message NVARCHAR(1000) NULL,
	result_json NVARCHAR(max) NULL,
	last_error NVARCHAR(1000) NULL,
	answered_at DATETIME2 NULL,
	aac001 NVARCHAR(32) NULL,
	aac003 NVARCHAR(64) NULL,
	aac004 NVARCHAR(4) NULL,
	bka888 NVARCHAR(4) NULL,
	bka042 NVARCHAR(64) NULL,
	aae030 NVARCHAR(8) NULL,
	aae031 NVARCHAR(8) NULL,
	bka025 NVARCHAR(32) NULL,
	bka001 INTEGER NULL,
	akc264 NUMERIC(14, 2) NULL,
	bka831 NUMERIC(14, 2) NULL,
	bka832 NUMERIC(14, 2) NULL,
	ake039 NUMERIC(14, 2) NULL,
	bka825 NUMERIC(14, 2) NULL,
	bka826 NUMERIC(14, 2) NULL,
	akb067 NUMERIC(14, 2) NULL,
	akb066 NUMERIC(14, 2) NULL,
	CONSTRAINT wi_request_pk PRIMARY KEY (id)
);

CREATE INDEX wi_request_ix_done ON wi_request (status, answered_at);

CREATE INDEX wi_request_ix_due ON wi_request (status, next_attempt_at);

CREATE INDEX wi_request_ix_visit ON wi_request (visit_key);

CREATE TABLE wi_request_row (
	id BIGINT NOT NULL IDENTITY,
	request_id BIGINT NOT NULL,
	dataset NVARCHAR(32) NOT NULL,
	row_no INTEGER NOT NULL,
	aac001 NVARCHAR(32) NULL,
	aaz218 NVARCHAR(32) NULL,
	bka017 NVARCHAR(8) NULL,
	aaa100 NVARCHAR(32) NULL,
	aaa102 NVARCHAR(64) NULL,
	aaa103 NVARCHAR(200) NULL,
	ake005 NVARCHAR(64) NULL,
	ake006 NVARCHAR(200) NULL,
	bka056 NUMERIC(14, 4) NULL,
	bka057 NUMERIC(14, 4) NULL,
	bka058 NUMERIC(14, 2) NULL,
	row_json NVARCHAR(max) NULL,
	CONSTRAINT wi_request_row_pk PRIMARY KEY (id),
	CONSTRAINT wi_request_row_uq UNIQUE (request_id, dataset, row_no),
	CONSTRAINT wi_request_row_fk FOREIGN KEY(request_id) REFERENCES wi_request (id) ON DELETE CASCADE
);

CREATE TABLE wi_message (
	id BIGINT NOT NULL IDENTITY,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	function_id NVARCHAR(32) NOT NULL,
	feed NVARCHAR(64) NULL,
	source_key NVARCHAR(200) NULL,
	visit_key NVARCHAR(64) NULL,
	aaz218 NVARCHAR(32) NULL,
	call_id NVARCHAR(64) NULL,
	outcome NVARCHAR(16) NULL,
	return_code NVARCHAR(16) NULL,
	duration_ms INTEGER NULL,
	request_xml NVARCHAR(max) NULL,
	reply_xml NVARCHAR(max) NULL,
	aac001 NVARCHAR(32) NULL,
	fields_v INTEGER NULL,
	CONSTRAINT wi_message_pk PRIMARY KEY (id)
);

CREATE INDEX wi_message_ix_call ON wi_message (call_id);

CREATE INDEX wi_message_ix_code ON wi_message (return_code, created_at);

CREATE INDEX wi_message_ix_created ON wi_message (created_at);

CREATE INDEX wi_message_ix_fn_code ON wi_message (function_id, return_code, created_at);

CREATE INDEX wi_message_ix_function ON wi_message (function_id, created_at);

CREATE INDEX wi_message_ix_person ON wi_message (aac001, created_at);

CREATE INDEX wi_message_ix_source ON wi_message (feed, source_key);

CREATE INDEX wi_message_ix_visit ON wi_message (visit_key, created_at);

CREATE INDEX wi_message_ix_z218 ON wi_message (aaz218);

CREATE TABLE wi_recon_run (
	id BIGINT NOT NULL IDENTITY,
	recon_date DATETIME NOT NULL,
	status NVARCHAR(16) NOT NULL DEFAULT 'RUNNING',
	started_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	finished_at DATETIME2 NULL,
	visit_count INTEGER NOT NULL DEFAULT 0,
	item_count INTEGER NOT NULL DEFAULT 0,
	mismatch_count INTEGER NOT NULL DEFAULT 0,
	his_total NUMERIC(14, 2) NULL,
	platform_total NUMERIC(14, 2) NULL,
	report_xlsx NVARCHAR(400) NULL,
	report_html NVARCHAR(400) NULL,
	last_error NVARCHAR(1000) NULL,
	CONSTRAINT wi_recon_run_pk PRIMARY KEY (id)
);

CREATE INDEX wi_recon_run_ix_date ON wi_recon_run (recon_date);

CREATE TABLE wi_recon_item (
	id BIGINT NOT NULL IDENTITY,
	run_id BIGINT NOT NULL,
	item_class NVARCHAR(32) NOT NULL,
	aaz218 NVARCHAR(32) NULL,
	visit_key NVARCHAR(64) NULL,
	figure NVARCHAR(32) NULL,
	his_value NVARCHAR(200) NULL,
	platform_value NVARCHAR(200) NULL,
	detail NVARCHAR(1000) NULL,
	action NVARCHAR(200) NULL,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	CONSTRAINT wi_recon_item_pk PRIMARY KEY (id),
	CONSTRAINT wi_recon_item_fk FOREIGN KEY(run_id) REFERENCES wi_recon_run (id) ON DELETE CASCADE
);

CREATE INDEX wi_recon_item_ix_run ON wi_recon_item (run_id);

CREATE TABLE wi_code (
	id BIGINT NOT NULL IDENTITY,
	aaa100 NVARCHAR(32) NOT NULL,
	aaa101 NVARCHAR(200) NULL,
	aaa102 NVARCHAR(64) NOT NULL,
	aaa103 NVARCHAR(200) NULL,
	aaa027 NVARCHAR(32) NULL DEFAULT '',
	aaa104 NVARCHAR(200) NULL,
	fetched_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	CONSTRAINT wi_code_pk PRIMARY KEY (id),
	CONSTRAINT wi_code_uq UNIQUE (aaa100, aaa102, aaa027)
);

CREATE TABLE wi_alert (
	id BIGINT NOT NULL IDENTITY,
	name NVARCHAR(150) NOT NULL,
	active INTEGER NOT NULL DEFAULT 0,
	since DATETIME2 NULL,
	detail NVARCHAR(1000) NULL,
	owed NVARCHAR(200) NULL,
	claimed_until DATETIME2 NULL,
	version INTEGER NOT NULL DEFAULT 0,
	updated_at DATETIME2 NULL,
	CONSTRAINT wi_alert_pk PRIMARY KEY (id),
	CONSTRAINT wi_alert_uq UNIQUE (name)
);

CREATE TABLE wi_user (
	id BIGINT NOT NULL IDENTITY,
	username NVARCHAR(64) NOT NULL,
	user_role NVARCHAR(16) NOT NULL,
	password_hash NVARCHAR(200) NOT NULL,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	updated_at DATETIME2 NULL,
	last_login_at DATETIME2 NULL,
	CONSTRAINT wi_user_pk PRIMARY KEY (id),
	CONSTRAINT wi_user_uq UNIQUE (username)
);

CREATE TABLE wi_session (
	id BIGINT NOT NULL IDENTITY,
	token_hash NVARCHAR(64) NOT NULL,
	username NVARCHAR(64) NOT NULL,
	csrf_token NVARCHAR(64) NOT NULL,
	client NVARCHAR(64) NULL,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	last_seen_at DATETIME2 NULL,
	expires_at DATETIME2 NOT NULL,
	CONSTRAINT wi_session_pk PRIMARY KEY (id),
	CONSTRAINT wi_session_uq UNIQUE (token_hash)
);

CREATE INDEX wi_session_ix_expires ON wi_session (expires_at);

CREATE TABLE wi_audit (
	id BIGINT NOT NULL IDENTITY,
	created_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	username NVARCHAR(64) NOT NULL,
	action NVARCHAR(32) NOT NULL,
	feed NVARCHAR(64) NULL,
	source_key NVARCHAR(200) NULL,
	row_count INTEGER NULL,
	status_before NVARCHAR(200) NULL,
	status_after NVARCHAR(200) NULL,
	detail NVARCHAR(1000) NULL,
	client NVARCHAR(64) NULL,
	CONSTRAINT wi_audit_pk PRIMARY KEY (id)
);

CREATE INDEX wi_audit_ix_action ON wi_audit (action, created_at);

CREATE INDEX wi_audit_ix_created ON wi_audit (created_at);

CREATE TABLE wi_person (
	id BIGINT NOT NULL IDENTITY,
	key_kind NVARCHAR(16) NOT NULL,
	key_value NVARCHAR(64) NOT NULL,
	state NVARCHAR(16) NOT NULL,
	function_id NVARCHAR(32) NULL,
	call_id NVARCHAR(64) NULL,
	visit_key NVARCHAR(64) NULL,
	aac001 NVARCHAR(32) NULL,
	bka042 NVARCHAR(64) NULL,
	aaz267 NVARCHAR(64) NULL,
	aae030 NVARCHAR(16) NULL,
	aae031 NVARCHAR(16) NULL,
	bka888 NVARCHAR(8) NULL,
	reason NVARCHAR(1000) NULL,
	looked_up_at DATETIME2 NOT NULL DEFAULT SYSDATETIME(),
	CONSTRAINT wi_person_pk PRIMARY KEY (id),
	CONSTRAINT wi_person_uq UNIQUE (key_kind, key_value)
);

CREATE INDEX wi_person_ix_aac001 ON wi_person (aac001);

-- 从旧版本升级（syncd init-db 会自动执行）：手工升级时去掉注释执行，
-- 再执行上面缺少的 CREATE INDEX，然后 syncd init-db 补充归档报文的检索字段。
-- Upgrading an older installation (init-db does all of this itself):
--   ALTER TABLE wi_sync_status ADD fingerprint NVARCHAR(64) NULL;
--   ALTER TABLE wi_sync_status ADD blocked_by NVARCHAR(300) NULL;
--   ALTER TABLE wi_visit ADD fee_rows INTEGER NULL;
--   ALTER TABLE wi_message ADD aac001 NVARCHAR(32) NULL;
--   ALTER TABLE wi_message ADD fields_v INTEGER NULL;
