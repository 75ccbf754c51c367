-- syncd staging tables for oracle 11.2, table prefix WI_
-- syncd 中间表建表语句（oracle 11.2）。由程序生成，请勿手工修改；重新生成：
--   syncd init-db --print-sql --dialect oracle --server-version 11.2 > sql/oracle/schema-11.2.sql
-- Timestamps are naive local time. 时间字段均为本地时间（不带时区）。
-- Oracle 11.2：id 由序列 <表>_seq 与触发器 <表>_bi 填写（11.2 没有 IDENTITY 列）；
--   用 SQL*Plus 执行：@schema-11.2.sql（触发器以单独一行 / 结束）。
-- Oracle 11.2: id is filled by sequence <table>_seq and trigger <table>_bi.

CREATE TABLE wi_sync_status (
	id NUMBER(19) NOT NULL,
	feed NVARCHAR2(64) NOT NULL,
	source_key NVARCHAR2(200) NOT NULL,
	version NVARCHAR2(64) DEFAULT '',
	function_id NVARCHAR2(32) NOT NULL,
	visit_key NVARCHAR2(64),
	status NVARCHAR2(16) DEFAULT 'PENDING' NOT NULL,
	attempts INTEGER DEFAULT 0 NOT NULL,
	next_attempt_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	lease_owner NVARCHAR2(64),
	lease_until TIMESTAMP,
	request_id NVARCHAR2(64),
	return_code NVARCHAR2(16),
	return_code_message NVARCHAR2(1000),
	result_json NCLOB,
	last_error NVARCHAR2(1000),
	aaz218 NVARCHAR2(32),
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	updated_at TIMESTAMP,
	finished_at TIMESTAMP,
	fingerprint NVARCHAR2(64),
	blocked_by NVARCHAR2(300),
	CONSTRAINT wi_sync_status_pk PRIMARY KEY (id),
	CONSTRAINT wi_sync_status_uq UNIQUE (feed, source_key, version)
);

CREATE INDEX wi_sync_status_ix_done ON wi_sync_status (feed, status, finished_at);

CREATE INDEX wi_sync_status_ix_due ON wi_sync_status (status, next_attempt_at);

CREATE INDEX wi_sync_status_ix_visit ON wi_sync_status (visit_key);

CREATE SEQUENCE wi_sync_status_seq;

CREATE OR REPLACE TRIGGER wi_sync_status_bi
BEFORE INSERT ON wi_sync_status
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_sync_status_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_visit (
	id NUMBER(19) NOT NULL,
	visit_key NVARCHAR2(64) NOT NULL,
	kind NVARCHAR2(16) NOT NULL,
	aaz218 NVARCHAR2(32),
	aac001 NVARCHAR2(32),
	bka025 NVARCHAR2(32),
	state NVARCHAR2(16) DEFAULT 'NONE' NOT NULL,
	last_batch INTEGER DEFAULT 0 NOT NULL,
	fee_count INTEGER DEFAULT 0 NOT NULL,
	fee_amount NUMERIC(14, 2) DEFAULT 0 NOT NULL,
	version INTEGER DEFAULT 0 NOT NULL,
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	updated_at TIMESTAMP,
	state_changed_at TIMESTAMP,
	fee_rows INTEGER,
	CONSTRAINT wi_visit_pk PRIMARY KEY (id),
	CONSTRAINT wi_visit_uq UNIQUE (visit_key, kind)
);

CREATE INDEX wi_visit_ix_z218 ON wi_visit (aaz218);

CREATE SEQUENCE wi_visit_seq;

CREATE OR REPLACE TRIGGER wi_visit_bi
BEFORE INSERT ON wi_visit
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_visit_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_request (
	id NUMBER(19) NOT NULL,
	command NVARCHAR2(32) NOT NULL,
	visit_key NVARCHAR2(64),
	bka895 NVARCHAR2(16),
	bka896 NVARCHAR2(64),
	aaz218 NVARCHAR2(32),
	params_json NCLOB,
	requested_by NVARCHAR2(64),
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	status NVARCHAR2(16) DEFAULT 'NEW' NOT NULL,
	attempts INTEGER DEFAULT 0 NOT NULL,
	next_attempt_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	lease_owner NVARCHAR2(64),
	lease_until TIMESTAMP,
	call_id NVARCHAR2(64),
	return_code NVARCHAR2(16),
	return_code_message NVARCHAR2(1000),
	result_json NCLOB,
	last_error NVARCHAR2(1000),
	answered_at TIMESTAMP,
	aac001 NVARCHAR2(32),
	aac003 NVARCHAR2(64),
	aac004 NVARCHAR2(4),
	bka888 NVARCHAR2(4),
	bka042 NVARCHAR2(64),
	aae030 NVARCHAR2(8),
	aae031 NVARCHAR2(8),
	bka025 NVARCHAR2(32),
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
);

CREATE INDEX wi_request_ix_done ON wi_request (status, answered_at);

CREATE INDEX wi_request_ix_due ON wi_request (status, next_attempt_at);

CREATE INDEX wi_request_ix_visit ON wi_request (visit_key);

CREATE SEQUENCE wi_request_seq;

CREATE OR REPLACE TRIGGER wi_request_bi
BEFORE INSERT ON wi_request
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_request_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_request_row (
	id NUMBER(19) NOT NULL,
	request_id NUMBER(19) NOT NULL,
	dataset NVARCHAR2(32) NOT NULL,
	row_no INTEGER NOT NULL,
	aac001 NVARCHAR2(32),
	aaz218 NVARCHAR2(32),
	bka017 NVARCHAR2(8),
	aaa100 NVARCHAR2(32),
	aaa102 NVARCHAR2(64),
	aaa103 NVARCHAR2(200),
	ake005 NVARCHAR2(64),
	ake006 NVARCHAR2(200),
	bka056 NUMERIC(14, 4),
	bka057 NUMERIC(14, 4),
	bka058 NUMERIC(14, 2),
	row_json NCLOB,
	CONSTRAINT wi_request_row_pk PRIMARY KEY (id),
	CONSTRAINT wi_request_row_uq UNIQUE (request_id, dataset, row_no),
	CONSTRAINT wi_request_row_fk FOREIGN KEY(request_id) REFERENCES wi_request (id) ON DELETE CASCADE
);

CREATE SEQUENCE wi_request_row_seq;

CREATE OR REPLACE TRIGGER wi_request_row_bi
BEFORE INSERT ON wi_request_row
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_request_row_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_message (
	id NUMBER(19) NOT NULL,
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	function_id NVARCHAR2(32) NOT NULL,
	feed NVARCHAR2(64),
	source_key NVARCHAR2(200),
	visit_key NVARCHAR2(64),
	aaz218 NVARCHAR2(32),
	call_id NVARCHAR2(64),
	outcome NVARCHAR2(16),
	return_code NVARCHAR2(16),
	duration_ms INTEGER,
	request_xml NCLOB,
	reply_xml NCLOB,
	aac001 NVARCHAR2(32),
	fields_v INTEGER,
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

CREATE SEQUENCE wi_message_seq;

CREATE OR REPLACE TRIGGER wi_message_bi
BEFORE INSERT ON wi_message
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_message_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_recon_run (
	id NUMBER(19) NOT NULL,
	recon_date DATE NOT NULL,
	status NVARCHAR2(16) DEFAULT 'RUNNING' NOT NULL,
	started_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	finished_at TIMESTAMP,
	visit_count INTEGER DEFAULT 0 NOT NULL,
	item_count INTEGER DEFAULT 0 NOT NULL,
	mismatch_count INTEGER DEFAULT 0 NOT NULL,
	his_total NUMERIC(14, 2),
	platform_total NUMERIC(14, 2),
	report_xlsx NVARCHAR2(400),
	report_html NVARCHAR2(400),
	last_error NVARCHAR2(1000),
	CONSTRAINT wi_recon_run_pk PRIMARY KEY (id)
);

CREATE INDEX wi_recon_run_ix_date ON wi_recon_run (recon_date);

CREATE SEQUENCE wi_recon_run_seq;

CREATE OR REPLACE TRIGGER wi_recon_run_bi
BEFORE INSERT ON wi_recon_run
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_recon_run_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_recon_item (
	id NUMBER(19) NOT NULL,
	run_id NUMBER(19) NOT NULL,
	item_class NVARCHAR2(32) NOT NULL,
	aaz218 NVARCHAR2(32),
	visit_key NVARCHAR2(64),
	figure NVARCHAR2(32),
	his_value NVARCHAR2(200),
	platform_value NVARCHAR2(200),
	detail NVARCHAR2(1000),
	action NVARCHAR2(200),
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	CONSTRAINT wi_recon_item_pk PRIMARY KEY (id),
	CONSTRAINT wi_recon_item_fk FOREIGN KEY(run_id) REFERENCES wi_recon_run (id) ON DELETE CASCADE
);

CREATE INDEX wi_recon_item_ix_run ON wi_recon_item (run_id);

CREATE SEQUENCE wi_recon_item_seq;

CREATE OR REPLACE TRIGGER wi_recon_item_bi
BEFORE INSERT ON wi_recon_item
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_recon_item_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_code (
	id NUMBER(19) NOT NULL,
	aaa100 NVARCHAR2(32) NOT NULL,
	aaa101 NVARCHAR2(200),
	aaa102 NVARCHAR2(64) NOT NULL,
	aaa103 NVARCHAR2(200),
	aaa027 NVARCHAR2(32) DEFAULT '',
	aaa104 NVARCHAR2(200),
	fetched_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	CONSTRAINT wi_code_pk PRIMARY KEY (id),
	CONSTRAINT wi_code_uq UNIQUE (aaa100, aaa102, aaa027)
);

CREATE SEQUENCE wi_code_seq;

CREATE OR REPLACE TRIGGER wi_code_bi
BEFORE INSERT ON wi_code
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_code_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_alert (
	id NUMBER(19) NOT NULL,
	name NVARCHAR2(150) NOT NULL,
	active INTEGER DEFAULT 0 NOT NULL,
	since TIMESTAMP,
	detail NVARCHAR2(1000),
	owed NVARCHAR2(200),
	claimed_until TIMESTAMP,
	version INTEGER DEFAULT 0 NOT NULL,
	updated_at TIMESTAMP,
	CONSTRAINT wi_alert_pk PRIMARY KEY (id),
	CONSTRAINT wi_alert_uq UNIQUE (name)
);

CREATE SEQUENCE wi_alert_seq;

CREATE OR REPLACE TRIGGER wi_alert_bi
BEFORE INSERT ON wi_alert
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_alert_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_user (
	id NUMBER(19) NOT NULL,
	username NVARCHAR2(64) NOT NULL,
	user_role NVARCHAR2(16) NOT NULL,
	password_hash NVARCHAR2(200) NOT NULL,
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	updated_at TIMESTAMP,
	last_login_at TIMESTAMP,
	CONSTRAINT wi_user_pk PRIMARY KEY (id),
	CONSTRAINT wi_user_uq UNIQUE (username)
);

CREATE SEQUENCE wi_user_seq;

CREATE OR REPLACE TRIGGER wi_user_bi
BEFORE INSERT ON wi_user
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_user_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_session (
	id NUMBER(19) NOT NULL,
	token_hash NVARCHAR2(64) NOT NULL,
	username NVARCHAR2(64) NOT NULL,
	csrf_token NVARCHAR2(64) NOT NULL,
	client NVARCHAR2(64),
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP,
	expires_at TIMESTAMP NOT NULL,
	CONSTRAINT wi_session_pk PRIMARY KEY (id),
	CONSTRAINT wi_session_uq UNIQUE (token_hash)
);

CREATE INDEX wi_session_ix_expires ON wi_session (expires_at);

CREATE SEQUENCE wi_session_seq;

CREATE OR REPLACE TRIGGER wi_session_bi
BEFORE INSERT ON wi_session
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_session_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_audit (
	id NUMBER(19) NOT NULL,
	created_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	username NVARCHAR2(64) NOT NULL,
	action NVARCHAR2(32) NOT NULL,
	feed NVARCHAR2(64),
	source_key NVARCHAR2(200),
	row_count INTEGER,
	status_before NVARCHAR2(200),
	status_after NVARCHAR2(200),
	detail NVARCHAR2(1000),
	client NVARCHAR2(64),
	CONSTRAINT wi_audit_pk PRIMARY KEY (id)
);

CREATE INDEX wi_audit_ix_action ON wi_audit (action, created_at);

CREATE INDEX wi_audit_ix_created ON wi_audit (created_at);

CREATE SEQUENCE wi_audit_seq;

CREATE OR REPLACE TRIGGER wi_audit_bi
BEFORE INSERT ON wi_audit
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_audit_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE TABLE wi_person (
	id NUMBER(19) NOT NULL,
	key_kind NVARCHAR2(16) NOT NULL,
	key_value NVARCHAR2(64) NOT NULL,
	state NVARCHAR2(16) NOT NULL,
	function_id NVARCHAR2(32),
	call_id NVARCHAR2(64),
	visit_key NVARCHAR2(64),
	aac001 NVARCHAR2(32),
	bka042 NVARCHAR2(64),
	aaz267 NVARCHAR2(64),
	aae030 NVARCHAR2(16),
	aae031 NVARCHAR2(16),
	bka888 NVARCHAR2(8),
	reason NVARCHAR2(1000),
	looked_up_at TIMESTAMP DEFAULT LOCALTIMESTAMP NOT NULL,
	CONSTRAINT wi_person_pk PRIMARY KEY (id),
	CONSTRAINT wi_person_uq UNIQUE (key_kind, key_value)
);

CREATE INDEX wi_person_ix_aac001 ON wi_person (aac001);

CREATE SEQUENCE wi_person_seq;

CREATE OR REPLACE TRIGGER wi_person_bi
BEFORE INSERT ON wi_person
FOR EACH ROW
WHEN (new.id IS NULL)
BEGIN
  SELECT wi_person_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

-- 从旧版本升级（syncd init-db 会自动执行）：手工升级时去掉注释执行，
-- 再执行上面缺少的 CREATE INDEX，然后 syncd init-db 补充归档报文的检索字段。
-- Upgrading an older installation (init-db does all of this itself):
--   ALTER TABLE wi_sync_status ADD fingerprint NVARCHAR2(64);
--   ALTER TABLE wi_sync_status ADD blocked_by NVARCHAR2(300);
--   ALTER TABLE wi_visit ADD fee_rows INTEGER;
--   ALTER TABLE wi_message ADD aac001 NVARCHAR2(32);
--   ALTER TABLE wi_message ADD fields_v INTEGER;
