-- 第二个示例 HIS（拼音缩写风格的表，手写，非程序生成）：PostgreSQL；同一文本在 SQLite 上也能执行。
-- A second example HIS in the common pinyin-abbreviation style (hand-written); also runs on SQLite.
-- 与参考 HIS（sql/examples/<数据库>/his_schema.sql）风格不同之处，正是接入外院 HIS 时常见的：
--   * 表名、列名为拼音首字母缩写（GY_ 公用、MZ_ 门诊、ZY_ 住院、BA_ 病案）；
--   * HIS 只保存身份证号和社保卡号，**没有**平台电脑号 aac001、也没有工伤凭证号 bka042
--     ——二者由 syncd 的人员信息查询提供（映射中的 person: 规则，见 docs/dba-guide.md）；
--   * 退费为负数行（JE < 0），TFBZ='1' 且 YMXID 指向原明细；
--   * 因病标志 YBBZ 用 'Y'/'N'（不是 '1'/'0'），自费标志 ZFBZ '1' 为病人自愿自费的项目；
--   * 费用类别 FYLB：'GS' 工伤，'YB' 医保，'ZF' 自费病人——工伤视图只取 'GS'。
-- 使用说明与视图契约：docs/dba-guide.md「接入一家外院 HIS」。

-- 公用：病人信息（一个病人一行）
CREATE TABLE GY_BRXX (
    BRID VARCHAR(20) NOT NULL,          -- 病人 ID
    XM VARCHAR(50) NOT NULL,            -- 姓名
    XB CHAR(1),                         -- 性别 1 男 2 女
    CSRQ DATE,                          -- 出生日期
    SFZH VARCHAR(18),                   -- 身份证号（社会保障号码 aac002）
    SBKH VARCHAR(20),                   -- 社保卡号 bka100
    LXDH VARCHAR(20),                   -- 联系电话
    CBDQ VARCHAR(6),                    -- 参保地行政区划
    PRIMARY KEY (BRID)
);

-- 公用：科室、病区、职工
CREATE TABLE GY_KSDM (
    KSDM VARCHAR(10) NOT NULL,          -- 科室代码
    KSMC VARCHAR(50) NOT NULL,          -- 科室名称
    PRIMARY KEY (KSDM)
);

CREATE TABLE GY_ZGXX (
    ZGGH VARCHAR(10) NOT NULL,          -- 职工工号
    ZGXM VARCHAR(50) NOT NULL,          -- 职工姓名
    PRIMARY KEY (ZGGH)
);

-- 门诊：挂号信息（一次挂号一行）
CREATE TABLE MZ_GHXX (
    GHXH VARCHAR(20) NOT NULL,          -- 挂号序号（门诊就诊号）
    BRID VARCHAR(20) NOT NULL,
    GHSJ TIMESTAMP NOT NULL,            -- 挂号时间（医院本地时间，不带时区）
    KSDM VARCHAR(10),
    YSGH VARCHAR(10),                   -- 接诊医生工号
    CZGH VARCHAR(10),                   -- 挂号员工号
    ZDDM VARCHAR(20),                   -- 诊断 ICD-10
    FYLB VARCHAR(2) NOT NULL,           -- 费用类别 GS 工伤 / YB 医保 / ZF 自费
    THBZ CHAR(1) DEFAULT '0' NOT NULL,  -- 退号标志 1 已退号
    XGSJ TIMESTAMP NOT NULL,            -- 最后修改时间
    PRIMARY KEY (GHXH)
);

-- 门诊：收费明细（收费单 SFDH 的每一项一行；退费为负数行）
CREATE TABLE MZ_SFMX (
    MXID INTEGER NOT NULL,              -- 明细 ID
    GHXH VARCHAR(20) NOT NULL,
    SFDH VARCHAR(20) NOT NULL,          -- 收费单号
    XMDM VARCHAR(20) NOT NULL,          -- 项目代码（医院编码 ake005）
    XMMC VARCHAR(100) NOT NULL,         -- 项目名称
    GG VARCHAR(50),                     -- 规格
    DW VARCHAR(10),                     -- 单位
    DJ NUMERIC(12, 4) NOT NULL,         -- 单价
    SL NUMERIC(10, 2) NOT NULL,         -- 数量（退费为负）
    JE NUMERIC(12, 2) NOT NULL,         -- 金额（退费为负）
    SFSJ TIMESTAMP NOT NULL,            -- 收费时间
    CFH VARCHAR(20),                    -- 处方号
    YSGH VARCHAR(10),                   -- 开方医生
    ZFBZ CHAR(1) DEFAULT '0' NOT NULL,  -- 自费标志 1 病人自费
    TFBZ CHAR(1) DEFAULT '0' NOT NULL,  -- 退费标志 1 退费行
    YMXID INTEGER,                      -- 退费行：原明细 ID
    PRIMARY KEY (MXID)
);

-- 住院：病人入院（一次住院一行；出院后填 CYSJ）
CREATE TABLE ZY_BRRY (
    ZYH VARCHAR(20) NOT NULL,           -- 住院号（也是就诊键）
    BRID VARCHAR(20) NOT NULL,
    RYSJ TIMESTAMP NOT NULL,            -- 入院时间
    KSDM VARCHAR(10),
    BQDM VARCHAR(10),                   -- 病区代码
    BQMC VARCHAR(50),                   -- 病区名称
    CWH VARCHAR(10),                    -- 床位号
    YSGH VARCHAR(10),                   -- 主管医生
    RYZD VARCHAR(20),                   -- 入院诊断 ICD-10
    RYYY CHAR(1) DEFAULT '4',           -- 住院原因 0 普通 4 外伤
    CZGH VARCHAR(10),                   -- 入院登记员
    CYSJ TIMESTAMP,                     -- 出院时间（未出院为空）
    CYZD VARCHAR(20),                   -- 出院诊断
    CYZDMC VARCHAR(100),
    CYCZGH VARCHAR(10),                 -- 出院登记员
    FYLB VARCHAR(2) NOT NULL,           -- 费用类别 GS 工伤 / YB 医保 / ZF 自费
    ZYZT CHAR(1) DEFAULT '0' NOT NULL,  -- 状态 0 在院 1 出院 9 取消入院
    XGSJ TIMESTAMP NOT NULL,            -- 最后修改时间（出院信息改动后变化）
    PRIMARY KEY (ZYH)
);

-- 住院：费用明细（一条记账一行；退费为负数行）
CREATE TABLE ZY_FYMX (
    FYID INTEGER NOT NULL,              -- 费用 ID（同一住院内不重复，作费用序号 aaz213）
    ZYH VARCHAR(20) NOT NULL,
    XMDM VARCHAR(20) NOT NULL,
    XMMC VARCHAR(100) NOT NULL,
    GG VARCHAR(50),
    DW VARCHAR(10),
    DJ NUMERIC(12, 4) NOT NULL,
    SL NUMERIC(10, 2) NOT NULL,
    JE NUMERIC(12, 2) NOT NULL,
    FYSJ TIMESTAMP NOT NULL,            -- 费用发生时间
    YSGH VARCHAR(10),                   -- 开单医生
    LRGH VARCHAR(10),                   -- 录入员
    YBBZ CHAR(1) DEFAULT 'N' NOT NULL,  -- 因病标志 Y 因病（伤病分离）/ N 因伤
    ZFBZ CHAR(1) DEFAULT '0' NOT NULL,  -- 自费标志 1 病人自费
    TFBZ CHAR(1) DEFAULT '0' NOT NULL,  -- 退费标志
    YFYID INTEGER,                      -- 退费行：原费用 ID
    PRIMARY KEY (FYID)
);

-- 病案：诊断信息（出院诊断，一个诊断一行）
CREATE TABLE BA_ZDXX (
    ZYH VARCHAR(20) NOT NULL,
    ZDXH INTEGER NOT NULL,              -- 诊断序号
    ZDLB CHAR(1) NOT NULL,              -- 诊断类别 Z 主要诊断 / Q 其他诊断
    ZDDM VARCHAR(20) NOT NULL,
    ZDMC VARCHAR(100) NOT NULL,
    RYBQ CHAR(1),                       -- 入院病情 1 有 2 临床未确定 3 情况不明 4 无
    PRIMARY KEY (ZYH, ZDXH)
);
