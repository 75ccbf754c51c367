-- syncd 账号最小权限示例（Oracle）。DBA 按实际用户名、视图名修改后执行。
-- Least-privilege example for the syncd account on Oracle; adjust names, run as a DBA.
-- HIS 为 HIS 业务用户；V_WI_% 为 DBA 提供给 syncd 的只读视图（名称以映射文件为准）。

-- 1. 账号：只能登录（密码由 DBA 设定，放在 systemd 凭据或密码文件中，不写入 syncd.yaml）
CREATE USER syncd IDENTIFIED BY "change-me";
GRANT CREATE SESSION TO syncd;

-- 2. 中间表：推荐由 DBA 以 HIS 用户执行 sql/oracle/schema.sql（Oracle 11.2 用 schema-11.2.sql）
--    建表，syncd 不需要任何 DDL 权限；
--    syncd.yaml 中设置 database.schema_name: HIS。
--    （另一种做法：让 syncd 自己执行 `syncd init-db`，需要建表权限和表空间配额：
--      GRANT CREATE TABLE TO syncd;  ALTER USER syncd QUOTA 2G ON users;
--      Oracle 11.2 另需（id 由序列和触发器填写）：GRANT CREATE SEQUENCE, CREATE TRIGGER TO syncd;
--     建完表后可收回：REVOKE CREATE TABLE FROM syncd;）

-- 3. 只读：HIS 视图
GRANT SELECT ON HIS.V_WI_OUTPATIENT TO syncd;
GRANT SELECT ON HIS.V_WI_INPATIENT TO syncd;
GRANT SELECT ON HIS.V_WI_FEE TO syncd;

-- 4. 读写（DML）：中间表
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_SYNC_STATUS TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_VISIT TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_REQUEST TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_REQUEST_ROW TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_MESSAGE TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_PERSON TO syncd;  -- 人员信息查询结果（含身份证号，与 WI_MESSAGE 一样按权限管理）
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_RECON_RUN TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_RECON_ITEM TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_CODE TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_ALERT TO syncd;
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_USER TO syncd;  -- 运维控制台
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_SESSION TO syncd;  -- 运维控制台
GRANT SELECT, INSERT, UPDATE, DELETE ON HIS.WI_AUDIT TO syncd;  -- 运维控制台
