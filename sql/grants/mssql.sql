-- syncd 账号最小权限示例（SQL Server）。DBA 按实际库名、架构名、视图名修改后执行。
-- Least-privilege example for the syncd account on SQL Server; adjust names, run as a DBA.
-- HIS 为 HIS 数据库，dbo 为其架构；v_wi_% 为 DBA 提供给 syncd 的只读视图（名称以映射文件为准）。

-- 1. 登录名与数据库用户（密码放在 systemd 凭据或密码文件中，不写入 syncd.yaml）
CREATE LOGIN syncd WITH PASSWORD = 'change-me', CHECK_POLICY = ON;
GO
USE HIS;
GO
CREATE USER syncd FOR LOGIN syncd WITH DEFAULT_SCHEMA = dbo;
GO

-- 2. 中间表：推荐由 DBA 执行 sql/mssql/schema.sql，syncd 不需要 DDL 权限。
--    （另一种做法：让 syncd 执行 `syncd init-db`，临时授予建表权限，建完后收回：
--      GRANT CREATE TABLE TO syncd;  GRANT ALTER ON SCHEMA::dbo TO syncd;
--      REVOKE ALTER ON SCHEMA::dbo FROM syncd;  REVOKE CREATE TABLE FROM syncd;）

-- 3. 只读：HIS 视图
GRANT SELECT ON dbo.v_wi_outpatient TO syncd;
GRANT SELECT ON dbo.v_wi_inpatient TO syncd;
GRANT SELECT ON dbo.v_wi_fee TO syncd;

-- 4. 读写（DML）：中间表
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_sync_status TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_visit TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_request TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_request_row TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_message TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_person TO syncd;  -- 人员信息查询结果（含身份证号，与 WI_MESSAGE 一样按权限管理）
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_recon_run TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_recon_item TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_code TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_alert TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_user TO syncd;  -- 运维控制台
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_session TO syncd;  -- 运维控制台
GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.wi_audit TO syncd;  -- 运维控制台
GO
