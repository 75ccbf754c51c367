-- syncd staging tables for mysql, table prefix WI_
-- syncd 中间表建表语句（mysql）。由程序生成，请勿手工修改；重新生成：
--   syncd init-db --print-sql --dialect mysql > sql/mysql/schema.sql
-- Timestamps are naive local time. 时间字段均为本地时间（不带时区）。

CREATE TABLE wi_sync_status (
	id BIGINT NOT NULL AUTO_INCREMENT,
	feed VARCHAR(64) NOT NULL,
	source_key VARCHAR(200) NOT NULL,
	version VARCHAR(64) DEFAULT '',
	function_id VARCHAR(32) NOT NULL,
	visit_key VARCHAR(64),
	status VARCHAR(16) NOT NULL DEFAULT 'PENDING',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	lease_owner VARCHAR(64),
	lease_until DATETIME(6),
	request_id VARCHAR(64),
	return_code VARCHAR(16),
	return_code_message VARCHAR(1000),
	result_json LONGTEXT,
	last_error VARCHAR(1000),
	aaz218 VARCHAR(32),
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	updated_at DATETIME(6),
	finished_at DATETIME(6),
	fingerprint VARCHAR(64),
	blocked_by VARCHAR(300),
	CONSTRAINT wi_sync_status_pk PRIMARY KEY (id),
	CONSTRAINT wi_sync_status_uq UNIQUE (feed, source_key, version)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_sync_status_ix_done ON wi_sync_status (feed, status, finished_at);

CREATE INDEX wi_sync_status_ix_due ON wi_sync_status (status, next_attempt_at);

CREATE INDEX wi_sync_status_ix_visit ON wi_sync_status (visit_key);

CREATE TABLE wi_visit (
	id BIGINT NOT NULL AUTO_INCREMENT,
	visit_key VARCHAR(64) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	aaz218 VARCHAR(32),
	aac001 VARCHAR(32),
	bka025 VARCHAR(32),
	state VARCHAR(16) NOT NULL DEFAULT 'NONE',
	last_batch INTEGER NOT NULL DEFAULT 0,
	fee_count INTEGER NOT NULL DEFAULT 0,
	fee_amount NUMERIC(14, 2) NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 0,
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	updated_at DATETIME(6),
	state_changed_at DATETIME(6),
	fee_rows INTEGER,
	CONSTRAINT wi_visit_pk PRIMARY KEY (id),
	CONSTRAINT wi_visit_uq UNIQUE (visit_key, kind)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_visit_ix_z218 ON wi_visit (aaz218);

CREATE TABLE wi_request (
	id BIGINT NOT NULL AUTO_INCREMENT,
	command VARCHAR(32) NOT NULL,
	visit_key VARCHAR(64),
	bka895 VARCHAR(16),
	bka896 VARCHAR(64),
	aaz218 VARCHAR(32),
	params_json LONGTEXT,
	requested_by VARCHAR(64),
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	status VARCHAR(16) NOT NULL DEFAULT 'NEW',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	lease_owner VARCHAR(64),
	lease_until DATETIME(6),
	call_id VARCHAR(64),
	return_code VARCHAR(16),
	return_code_message VARCHAR(1000),
	result_json LONGTEXT,
	last_error VARCHAR(1000),
	answered_at DATETIME(6),
	aac001 VARCHAR(32),
	aac003 VARCHAR(64),
	aac004 VARCHAR(4),
	bka888 VARCHAR(4),
	bka042 VARCHAR(64),
	aae030 VARCHAR(8),
	aae031 VARCHAR(8),
	bka025 VARCHAR(32),
	bka001 INTEGER,
	akc264 NUMERIC(14, 2),
	bka831 NUMERIC(14, 2),
	bka832 NUMERIC(14, 2),
	ake039 NUMERIC(14, 2),
	bka825 NUMERIC(14, 2),
	bka826 NUMERIC(14, 2),
	akb067 NUMERIC(14, 2),
	akb066 NUMERIC(14, 2),
	CONSTRAINT wi_request_pk PRIMARY KEY (id)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_request_ix_done ON wi_request (status, answered_at);

CREATE INDEX wi_request_ix_due ON wi_request (status, next_attempt_at);

CREATE INDEX wi_request_ix_visit ON wi_request (visit_key);

CREATE TABLE wi_request_row (
	id BIGINT NOT NULL AUTO_INCREMENT,
	request_id BIGINT NOT NULL,
	dataset VARCHAR(32) NOT NULL,
	row_no INTEGER NOT NULL,
	aac001 VARCHAR(32),
	aaz218 VARCHAR(32),
	bka017 VARCHAR(8),
	aaa100 VARCHAR(32),
	aaa102 VARCHAR(64),
	aaa103 VARCHAR(200),
	ake005 VARCHAR(64),
	ake006 VARCHAR(200),
	bka056 NUMERIC(14, 4),
	bka057 NUMERIC(14, 4),
	bka058 NUMERIC(14, 2),
	row_json LONGTEXT,
	CONSTRAINT wi_request_row_pk PRIMARY KEY (id),
	CONSTRAINT wi_request_row_uq UNIQUE (request_id, dataset, row_no),
	CONSTRAINT wi_request_row_fk FOREIGN KEY(request_id) REFERENCES wi_request (id) ON DELETE CASCADE
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE TABLE wi_message (
	id BIGINT NOT NULL AUTO_INCREMENT,
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	function_id VARCHAR(32) NOT NULL,
	feed VARCHAR(64),
	source_key VARCHAR(200),
	visit_key VARCHAR(64),
	aaz218 VARCHAR(32),
	call_id VARCHAR(64),
	outcome VARCHAR(16),
	return_code VARCHAR(16),
	duration_ms INTEGER,
	request_xml LONGTEXT,
	reply_xml LONGTEXT,
	aac001 VARCHAR(32),
	fields_v INTEGER,
	CONSTRAINT wi_message_pk PRIMARY KEY (id)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

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
	id BIGINT NOT NULL AUTO_INCREMENT,
	recon_date DATE NOT NULL,
	status VARCHAR(16) NOT NULL DEFAULT 'RUNNING',
	started_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	finished_at DATETIME(6),
	visit_count INTEGER NOT NULL DEFAULT 0,
	item_count INTEGER NOT NULL DEFAULT 0,
	mismatch_count INTEGER NOT NULL DEFAULT 0,
	his_total NUMERIC(14, 2),
	platform_total NUMERIC(14, 2),
	report_xlsx VARCHAR(400),
	report_html VARCHAR(400),
	last_error VARCHAR(1000),
	CONSTRAINT wi_recon_run_pk PRIMARY KEY (id)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_recon_run_ix_date ON wi_recon_run (recon_date);

CREATE TABLE wi_recon_item (
	id BIGINT NOT NULL AUTO_INCREMENT,
	run_id BIGINT NOT NULL,
	item_class VARCHAR(32) NOT NULL,
	aaz218 VARCHAR(32),
	visit_key VARCHAR(64),
	figure VARCHAR(32),
	his_value VARCHAR(200),
	platform_value VARCHAR(200),
	detail VARCHAR(1000),
	action VARCHAR(200),
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	CONSTRAINT wi_recon_item_pk PRIMARY KEY (id),
	CONSTRAINT wi_recon_item_fk FOREIGN KEY(run_id) REFERENCES wi_recon_run (id) ON DELETE CASCADE
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_recon_item_ix_run ON wi_recon_item (run_id);

CREATE TABLE wi_code (
	id BIGINT NOT NULL AUTO_INCREMENT,
	aaa100 VARCHAR(32) NOT NULL,
	aaa101 VARCHAR(200),
	aaa102 VARCHAR(64) NOT NULL,
	aaa103 VARCHAR(200),
	aaa027 VARCHAR(32) DEFAULT '',
	aaa104 VARCHAR(200),
	fetched_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	CONSTRAINT wi_code_pk PRIMARY KEY (id),
	CONSTRAINT wi_code_uq UNIQUE (aaa100, aaa102, aaa027)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE TABLE wi_alert (
	id BIGINT NOT NULL AUTO_INCREMENT,
	name VARCHAR(150) NOT NULL,
	active INTEGER NOT NULL DEFAULT 0,
	since DATETIME(6),
	detail VARCHAR(1000),
	owed VARCHAR(200),
	claimed_until DATETIME(6),
	version INTEGER NOT NULL DEFAULT 0,
	updated_at DATETIME(6),
	CONSTRAINT wi_alert_pk PRIMARY KEY (id),
	CONSTRAINT wi_alert_uq UNIQUE (name)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE TABLE wi_user (
	id BIGINT NOT NULL AUTO_INCREMENT,
	username VARCHAR(64) NOT NULL,
	user_role VARCHAR(16) NOT NULL,
	password_hash VARCHAR(200) NOT NULL,
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	updated_at DATETIME(6),
	last_login_at DATETIME(6),
	CONSTRAINT wi_user_pk PRIMARY KEY (id),
	CONSTRAINT wi_user_uq UNIQUE (username)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE TABLE wi_session (
	id BIGINT NOT NULL AUTO_INCREMENT,
	token_hash VARCHAR(64) NOT NULL,
	username VARCHAR(64) NOT NULL,
	csrf_token VARCHAR(64) NOT NULL,
	client VARCHAR(64),
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	last_seen_at DATETIME(6),
	expires_at DATETIME(6) NOT NULL,
	CONSTRAINT wi_session_pk PRIMARY KEY (id),
	CONSTRAINT wi_session_uq UNIQUE (token_hash)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_session_ix_expires ON wi_session (expires_at);

CREATE TABLE wi_audit (
	id BIGINT NOT NULL AUTO_INCREMENT,
	created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	username VARCHAR(64) NOT NULL,
	action VARCHAR(32) NOT NULL,
	feed VARCHAR(64),
	source_key VARCHAR(200),
	row_count INTEGER,
	status_before VARCHAR(200),
	status_after VARCHAR(200),
	detail VARCHAR(1000),
	client VARCHAR(64),
	CONSTRAINT wi_audit_pk PRIMARY KEY (id)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_audit_ix_action ON wi_audit (action, created_at);

CREATE INDEX wi_audit_ix_created ON wi_audit (created_at);

CREATE TABLE wi_person (
	id BIGINT NOT NULL AUTO_INCREMENT,
	key_kind VARCHAR(16) NOT NULL,
	key_value VARCHAR(64) NOT NULL,
	state VARCHAR(16) NOT NULL,
	function_id VARCHAR(32),
	call_id VARCHAR(64),
	visit_key VARCHAR(64),
	aac001 VARCHAR(32),
	bka042 VARCHAR(64),
	aaz267 VARCHAR(64),
	aae030 VARCHAR(16),
	aae031 VARCHAR(16),
	bka888 VARCHAR(8),
	reason VARCHAR(1000),
	looked_up_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	CONSTRAINT wi_person_pk PRIMARY KEY (id),
	CONSTRAINT wi_person_uq UNIQUE (key_kind, key_value)
)ENGINE=InnoDB CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC;

CREATE INDEX wi_person_ix_aac001 ON wi_person (aac001);

-- 从旧版本升级（syncd init-db 会自动执行）：手工升级时去掉注释执行，
-- 再执行上面缺少的 CREATE INDEX，然后 syncd init-db 补充归档报文的检索字段。
-- Upgrading an older installation (init-db does all of this itself):
--   ALTER TABLE wi_sync_status ADD fingerprint VARCHAR(64);
--   ALTER TABLE wi_sync_status ADD blocked_by VARCHAR(300);
--   ALTER TABLE wi_visit ADD fee_rows INTEGER;
--   ALTER TABLE wi_message ADD aac001 VARCHAR(32);
--   ALTER TABLE wi_message ADD fields_v INTEGER;
