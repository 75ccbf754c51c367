-- syncd 账号最小权限示例（PostgreSQL）。DBA 按实际库名、模式名、视图名修改后执行。
-- Least-privilege example for the syncd account on PostgreSQL; adjust names, run as a DBA.
-- his 为 HIS 所在模式；v_wi_% 为 DBA 提供给 syncd 的只读视图（名称以映射文件为准）。

-- 1. 账号：只能登录（密码放在 systemd 凭据或密码文件中，不写入 syncd.yaml）
CREATE ROLE syncd LOGIN PASSWORD 'change-me';
GRANT CONNECT ON DATABASE his TO syncd;
GRANT USAGE ON SCHEMA his TO syncd;

-- 2. 中间表：推荐由 DBA 在 his 模式中执行 sql/postgresql/schema.sql，syncd 不需要 DDL 权限；
--    syncd.yaml 中设置 database.schema_name: his。
--    （另一种做法：让 syncd 执行 `syncd init-db`，临时授予建表权限，建完后收回：
--      GRANT CREATE ON SCHEMA his TO syncd;  ...  REVOKE CREATE ON SCHEMA his FROM syncd;
--     此时表属于 syncd，需再把第 4 步的 HIS 读写权限授予 HIS 账号。）

-- 3. 只读：HIS 视图
GRANT SELECT ON his.v_wi_outpatient, his.v_wi_inpatient, his.v_wi_fee TO syncd;

-- 4. 读写（DML）：中间表；自增列需要序列的使用权限
GRANT SELECT, INSERT, UPDATE, DELETE ON
    his.wi_sync_status, his.wi_visit, his.wi_request, his.wi_request_row,
    his.wi_message, his.wi_recon_run, his.wi_recon_item, his.wi_code, his.wi_alert,
    his.wi_user, his.wi_session, his.wi_audit,
    his.wi_person  -- 人员信息查询结果（含身份证号，与 wi_message 一样按权限管理）
    TO syncd;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA his TO syncd;
