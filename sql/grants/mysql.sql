-- syncd 账号最小权限示例（MySQL / MariaDB）。DBA 按实际库名、视图名、来源主机修改后执行。
-- Least-privilege example for the syncd account on MySQL/MariaDB; adjust names, run as a DBA.
-- his 为 HIS 数据库；v_wi_% 为 DBA 提供给 syncd 的只读视图（名称以映射文件为准）。
-- 注意：Linux 上表名区分大小写，HIS 的 SQL 中请写小写表名 wi_request（或 lower_case_table_names=1）。

-- 1. 账号：只允许从 syncd 所在主机登录（密码放在 systemd 凭据或密码文件中，不写入 syncd.yaml）
CREATE USER 'syncd'@'10.0.0.%' IDENTIFIED BY 'change-me';

-- 2. 中间表：推荐由 DBA 执行 sql/mysql/schema.sql，syncd 不需要 DDL 权限。
--    （另一种做法：让 syncd 执行 `syncd init-db`，临时授予建表和建索引权限，建完后收回：
--      GRANT CREATE, INDEX, REFERENCES ON his.* TO 'syncd'@'10.0.0.%';
--      REVOKE CREATE, INDEX, REFERENCES ON his.* FROM 'syncd'@'10.0.0.%';）

-- 3. 只读：HIS 视图
GRANT SELECT ON his.v_wi_outpatient TO 'syncd'@'10.0.0.%';
GRANT SELECT ON his.v_wi_inpatient TO 'syncd'@'10.0.0.%';
GRANT SELECT ON his.v_wi_fee TO 'syncd'@'10.0.0.%';

-- 4. 读写（DML）：中间表
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_sync_status TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_visit TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_request TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_request_row TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_message TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_person TO 'syncd'@'10.0.0.%';  -- 人员信息查询结果（含身份证号，与 WI_MESSAGE 一样按权限管理）
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_recon_run TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_recon_item TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_code TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_alert TO 'syncd'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_user TO 'syncd'@'10.0.0.%';  -- 运维控制台
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_session TO 'syncd'@'10.0.0.%';  -- 运维控制台
GRANT SELECT, INSERT, UPDATE, DELETE ON his.wi_audit TO 'syncd'@'10.0.0.%';  -- 运维控制台
