"""Reference data of the demo county: the real county and townships, invented villages and people,
the industries, enterprises and policies the article names, and the vocabularies the generator draws
from. Data only: no randomness here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.settlement import PREMIUM_PER_PERSON_FEN

COUNTY = {"code": "141130", "name": "交口县", "province": "山西省", "city": "吕梁市"}
SNAPSHOT = date(2018, 12, 31)  # the data year is 2018: ages, statuses and incomes are as of its end
DATA_YEAR = 2018
INCOME_YEARS = (2017, 2018)
POVERTY_LINES_YUAN = {2016: 3000, 2017: 3335, 2018: 3535, 2019: 3747}
# The relapse-monitoring line (防止返贫监测线) per capita per year, in fen. Assumed: 1.5 times the poverty line
# of the year (the national monitoring line set in 2020 was about 1.5 times that year's line); data, not code.
MONITORING_LINES_FEN = {year: yuan * 100 * 3 // 2 for year, yuan in POVERTY_LINES_YUAN.items()}

# Real people the article names: the demo data may name the first secretary in his public role and
# must never produce any of these names for anyone else.
FIRST_SECRETARY_OF_SHANGJIAGOU = "邢云廷"
RESERVED_NAMES = frozenset({"邢云廷", "崔鸿杰", "周炳峰", "王燕红"})


@dataclass(frozen=True)
class TownshipRef:
    number: str  # 3 digits: towns 1xx, townships 2xx
    name: str
    kind: str
    villages: tuple[str, ...]

    @property
    def code(self) -> str:
        return COUNTY["code"] + self.number + "000"


# The seven real townships; the villages are invented (阳村堡 and 尚家沟村 are the article's).
TOWNSHIPS: tuple[TownshipRef, ...] = (
    TownshipRef(
        "100",
        "水头镇",
        "TOWN",
        (
            "水头村",
            "南庄村",
            "北庄村",
            "东沟村",
            "西沟村",
            "李家庄村",
            "王家沟村",
            "张家塬村",
            "刘家峪村",
            "郭家坪村",
            "贾家湾村",
            "武家岭村",
            "任家河村",
            "冯家圪垛村",
            "杨家坡村",
            "赵家庄村",
            "前山村",
            "后山村",
        ),
    ),
    TownshipRef(
        "101",
        "康城镇",
        "TOWN",
        (
            "康城村",
            "尚家沟村",
            "高家庄村",
            "梁家沟村",
            "薛家塬村",
            "温家峪村",
            "闫家坪村",
            "田家湾村",
            "成家岭村",
            "侯家河村",
            "白家坡村",
            "马家庄村",
            "上庄村",
            "下庄村",
            "中庄村",
            "新庄村",
        ),
    ),
    TownshipRef(
        "102",
        "双池镇",
        "TOWN",
        (
            "双池村",
            "孙家沟村",
            "曹家庄村",
            "韩家塬村",
            "胡家峪村",
            "宋家坪村",
            "吕家湾村",
            "段家岭村",
            "常家河村",
            "乔家坡村",
            "申家庄村",
            "石佛村",
            "龙门村",
            "桑园村",
            "槐树村",
            "柳林村",
        ),
    ),
    TownshipRef(
        "103",
        "桃红坡镇",
        "TOWN",
        (
            "桃红坡村",
            "秦家沟村",
            "崔家庄村",
            "霍家塬村",
            "雷家峪村",
            "苏家坪村",
            "牛家湾村",
            "卫家岭村",
            "黄家河村",
            "靳家坡村",
            "东庄村",
            "西庄村",
            "红崖村",
            "杏树村",
        ),
    ),
    TownshipRef(
        "200",
        "石口乡",
        "TOWNSHIP",
        (
            "石口村",
            "阳村堡",
            "范家沟村",
            "孟家庄村",
            "彭家塬村",
            "姚家峪村",
            "袁家坪村",
            "邓家湾村",
            "许家岭村",
            "吴家河村",
            "窑上村",
            "松树村",
        ),
    ),
    TownshipRef(
        "201",
        "回龙乡",
        "TOWNSHIP",
        (
            "回龙村",
            "郑家沟村",
            "陈家庄村",
            "周家塬村",
            "徐家峪村",
            "唐家坪村",
            "孔家湾村",
            "毛家岭村",
            "邵家河村",
            "蔡家坡村",
            "上村",
            "下村",
        ),
    ),
    TownshipRef(
        "202",
        "温泉乡",
        "TOWNSHIP",
        (
            "温泉村",
            "安家沟村",
            "康家庄村",
            "尹家塬村",
            "宁家峪村",
            "齐家坪村",
            "史家湾村",
            "余家岭村",
            "贺家河村",
            "董家坡村",
            "南坪村",
            "北坪村",
        ),
    ),
)
WORKED_CLAIM_VILLAGE = "阳村堡"
SHANGJIAGOU = "尚家沟村"
# Fungi villages per township (60 in all, every township), and the 3 townships of the Weihe park.
FUNGI_VILLAGES_PER_TOWNSHIP = {
    "水头镇": 12,
    "康城镇": 11,
    "双池镇": 8,
    "桃红坡镇": 7,
    "石口乡": 7,
    "回龙乡": 8,
    "温泉乡": 7,
}
WEIHE_VILLAGES_PER_TOWNSHIP = {"水头镇": 7, "康城镇": 6, "回龙乡": 5}

SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "郭",
    "贾",
    "武",
    "任",
    "冯",
    "杨",
    "赵",
    "高",
    "梁",
    "薛",
    "温",
    "闫",
    "田",
    "成",
    "侯",
    "白",
    "马",
    "孙",
    "曹",
    "韩",
    "胡",
    "宋",
    "吕",
    "段",
    "常",
    "乔",
    "申",
    "秦",
    "崔",
    "霍",
    "雷",
    "苏",
    "牛",
    "卫",
    "黄",
    "靳",
    "范",
    "孟",
    "彭",
    "姚",
    "袁",
    "邓",
    "许",
    "吴",
    "郑",
    "陈",
    "周",
    "徐",
    "唐",
    "孔",
    "毛",
    "邵",
    "蔡",
    "安",
    "康",
    "尹",
    "宁",
    "齐",
    "史",
    "余",
    "贺",
    "董",
    "邢",
    "雒",
    "燕",
    "樊",
)
MALE_CHARS = (
    "建",
    "国",
    "军",
    "明",
    "伟",
    "强",
    "平",
    "华",
    "海",
    "林",
    "峰",
    "斌",
    "俊",
    "杰",
    "志",
    "勇",
    "刚",
    "文",
    "东",
    "福",
    "贵",
    "有",
    "生",
    "全",
    "宝",
    "喜",
    "成",
    "亮",
    "鹏",
    "飞",
    "龙",
    "虎",
    "云",
    "山",
    "兵",
    "宏",
    "忠",
    "德",
    "旺",
    "保",
    "金",
    "银",
    "锁",
    "树",
    "春",
    "润",
    "小",
    "永",
    "红",
    "卫",
)
FEMALE_CHARS = (
    "秀",
    "英",
    "兰",
    "芳",
    "梅",
    "花",
    "玲",
    "霞",
    "丽",
    "娟",
    "红",
    "燕",
    "萍",
    "琴",
    "珍",
    "翠",
    "凤",
    "莲",
    "桂",
    "荣",
    "艳",
    "婷",
    "静",
    "敏",
    "慧",
    "娜",
    "月",
    "巧",
    "爱",
    "金",
    "玉",
    "春",
    "彩",
    "润",
    "小",
    "俊",
)


@dataclass(frozen=True)
class IndustryRef:
    code: str
    name: str
    tier: str
    scale_amount: int | None
    scale_unit: str | None
    output_value_yuan: int | None
    products: tuple[str, ...]


INDUSTRIES: tuple[IndustryRef, ...] = (
    IndustryRef(
        "FUNGI", "食用菌", "LEADING", 30_000_000, "棒", 300_000_000, ("香菇", "黑木耳", "茯苓", "羊肚菌", "天麻")
    ),
    IndustryRef("LIVESTOCK", "特色养殖", "LEADING", 150_000, "头", None, ("生猪", "肉牛", "肉羊")),
    IndustryRef("WALNUT", "核桃林", "LEADING", 200_000, "亩", None, ("核桃",)),
    IndustryRef("CROPS", "特色种植", "AUXILIARY", None, None, None, ("杂粮", "蔬菜", "马铃薯")),
    IndustryRef("FOREST_ECONOMY", "林下经济", "AUXILIARY", None, None, None, ("连翘", "林下菌", "蜂蜜")),
    IndustryRef("PHOTOVOLTAIC", "光伏扶贫", "AUXILIARY", None, None, None, ("光伏发电收益",)),
    IndustryRef("LEISURE_AGRI", "休闲农业", "AUXILIARY", None, None, None, ("乡村旅游", "农家乐")),
    IndustryRef("DONKEY", "肉驴", "AUXILIARY", None, None, None, ("肉驴",)),
    IndustryRef("CHICKEN", "肉鸡", "AUXILIARY", None, None, None, ("肉鸡", "土鸡蛋")),
    IndustryRef("MILLET", "绿色谷子", "AUXILIARY", None, None, None, ("小米",)),
    IndustryRef("HERBS", "中药材", "AUXILIARY", None, None, None, ("黄芩", "柴胡", "党参")),
)
LEADING = ("FUNGI", "LIVESTOCK", "WALNUT")
AUXILIARY = tuple(i.code for i in INDUSTRIES if i.tier == "AUXILIARY")
INDUSTRY_UNITS = {
    "FUNGI": "棒",
    "LIVESTOCK": "头",
    "WALNUT": "亩",
    "CROPS": "亩",
    "FOREST_ECONOMY": "亩",
    "PHOTOVOLTAIC": "千瓦",
    "LEISURE_AGRI": "户",
    "DONKEY": "头",
    "CHICKEN": "只",
    "MILLET": "亩",
    "HERBS": "亩",
}


@dataclass(frozen=True)
class EnterpriseRef:
    id: str
    name: str
    kind: str
    industry: str
    township: str  # where it sits (a village of it, chosen by the plan)
    investment_yuan: int | None = None
    stores: int | None = None
    description: str = ""


WEIHE = "E001"
NANSHAN = "E002"
ENTERPRISES: tuple[EnterpriseRef, ...] = (
    EnterpriseRef(
        WEIHE,
        "韦禾现代食用菌示范园区",
        "PARK",
        "FUNGI",
        "水头镇",
        investment_yuan=200_000_000,
        description="企业管两头、农民出劳力：园区统一制棒、统一收购销售，农户租棚出劳力；"
        "股份合作、承包经营、生产托管、劳动务工、订单收购五种模式带动贫困户增收。",
    ),
    EnterpriseRef(
        NANSHAN,
        "南山百世食安农牧业有限公司",
        "COMPANY",
        "LIVESTOCK",
        "康城镇",
        stores=110,
        description="全县生猪养殖龙头企业，循环产业链：养殖废水循环利用，粪污制沼发电、生产有机肥，"
        "有机肥还田，种出的粮食蔬菜回作饲料；在山西省6个地级市开设直营店110余家。",
    ),
    EnterpriseRef("E003", "交口县康城香菇种植专业合作社", "COOPERATIVE", "FUNGI", "康城镇"),
    EnterpriseRef("E004", "交口县双池食用菌专业合作社", "COOPERATIVE", "FUNGI", "双池镇"),
    EnterpriseRef("E005", "交口县桃红坡黑木耳专业合作社", "COOPERATIVE", "FUNGI", "桃红坡镇"),
    EnterpriseRef("E006", "交口县温泉羊肚菌种植专业合作社", "COOPERATIVE", "FUNGI", "温泉乡"),
    EnterpriseRef("E007", "交口县回龙生猪养殖专业合作社", "COOPERATIVE", "LIVESTOCK", "回龙乡"),
    EnterpriseRef("E008", "交口县石口肉牛养殖专业合作社", "COOPERATIVE", "LIVESTOCK", "石口乡"),
    EnterpriseRef("E009", "交口县核桃产业开发有限公司", "COMPANY", "WALNUT", "水头镇", investment_yuan=12_000_000),
    EnterpriseRef("E010", "交口县水头核桃种植专业合作社", "COOPERATIVE", "WALNUT", "水头镇"),
    EnterpriseRef("E011", "交口县双池核桃专业合作社", "COOPERATIVE", "WALNUT", "双池镇"),
    EnterpriseRef("E012", "交口县杂粮种植专业合作社", "COOPERATIVE", "CROPS", "双池镇"),
    EnterpriseRef("E013", "交口县蔬菜种植专业合作社", "COOPERATIVE", "CROPS", "桃红坡镇"),
    EnterpriseRef("E014", "交口县连翘开发专业合作社", "COOPERATIVE", "FOREST_ECONOMY", "温泉乡"),
    EnterpriseRef(
        "E015", "交口县光伏扶贫电站运营有限公司", "COMPANY", "PHOTOVOLTAIC", "康城镇", investment_yuan=45_000_000
    ),
    EnterpriseRef("E016", "交口县乡村旅游开发有限公司", "COMPANY", "LEISURE_AGRI", "温泉乡", investment_yuan=8_000_000),
    EnterpriseRef("E017", "交口县肉驴养殖专业合作社", "COOPERATIVE", "DONKEY", "回龙乡"),
    EnterpriseRef("E018", "交口县林下肉鸡养殖专业合作社", "COOPERATIVE", "CHICKEN", "石口乡"),
    EnterpriseRef("E019", "交口县绿色谷子种植专业合作社", "COOPERATIVE", "MILLET", "双池镇"),
    EnterpriseRef("E020", "交口县中药材种植专业合作社", "COOPERATIVE", "HERBS", "桃红坡镇"),
    EnterpriseRef("E021", "交口县黄芩种植专业合作社", "COOPERATIVE", "HERBS", "回龙乡"),
)
MODES = ("EQUITY", "CONTRACT", "TRUSTEESHIP", "WAGE_LABOUR", "ORDER_PURCHASE")


@dataclass(frozen=True)
class PolicyRef:
    code: str
    name: str
    kind: str
    description: str
    category: str | None = None
    rate_cap: float | None = None
    min_sum_insured_yuan: int | None = None


YBT = "YBT"
YBT_PREMIUM_PER_PERSON_FEN = PREMIUM_PER_PERSON_FEN[YBT]  # the premium enrolments are charged (graph/)
# The 19 types of 一保通, led by 脱贫返贫险; category is one of the article's five areas.
YBT_TYPES: tuple[PolicyRef, ...] = (
    PolicyRef(
        "YBT-01", "脱贫返贫险", "INSURANCE", "收入低于当年扶贫标准或因病因灾返贫时，补足差额", "收入兜底", 0.05, 5_000
    ),
    PolicyRef(
        "YBT-02",
        "疾病住院补充医疗保险",
        "INSURANCE",
        "基本医保、大病保险报销后的住院自付部分",
        "健康扶贫",
        0.04,
        50_000,
    ),
    PolicyRef(
        "YBT-03",
        "慢性病门诊补充医疗保险",
        "INSURANCE",
        "全省43种慢性病门诊费用，医保报销后余额全额赔付",
        "健康扶贫",
        0.04,
        50_000,
    ),
    PolicyRef("YBT-04", "重大疾病保险", "INSURANCE", "确诊重大疾病一次性给付", "健康扶贫", 0.03, 30_000),
    PolicyRef("YBT-05", "意外伤害保险", "INSURANCE", "意外身故、伤残及意外医疗", "健康扶贫", 0.03, 30_000),
    PolicyRef("YBT-06", "玉米种植保险", "INSURANCE", "旱、涝、雹、冻等自然灾害造成的减产损失", "农业生产", 0.06, 400),
    PolicyRef("YBT-07", "谷子种植保险", "INSURANCE", "自然灾害造成的减产损失", "农业生产", 0.06, 300),
    PolicyRef("YBT-08", "马铃薯种植保险", "INSURANCE", "自然灾害造成的减产损失", "农业生产", 0.06, 500),
    PolicyRef("YBT-09", "森林保险", "INSURANCE", "火灾、病虫害等造成的林木损失", "农业生产", 0.002, 1_000),
    PolicyRef("YBT-10", "核桃经济林保险", "INSURANCE", "冻害、冰雹造成的核桃减产", "产业项目", 0.06, 1_500),
    PolicyRef("YBT-11", "能繁母猪保险", "INSURANCE", "疫病、自然灾害造成的母猪死亡", "农业生产", 0.06, 1_000),
    PolicyRef("YBT-12", "育肥猪保险", "INSURANCE", "疫病、自然灾害造成的育肥猪死亡", "产业项目", 0.05, 600),
    PolicyRef("YBT-13", "肉牛肉驴养殖保险", "INSURANCE", "疫病、意外造成的牲畜死亡", "产业项目", 0.05, 6_000),
    PolicyRef("YBT-14", "食用菌（香菇）种植保险", "INSURANCE", "高温、冻害、病害造成的菌棒损失", "产业项目", 0.06, 3),
    PolicyRef("YBT-15", "设施农业大棚保险", "INSURANCE", "风、雪、雹造成的大棚设施损失", "产业项目", 0.05, 20_000),
    PolicyRef(
        "YBT-16", "扶贫小额贷款保证保险", "INSURANCE", "贫困户扶贫小额信贷到期未能偿还的本息", "金融扶贫", 0.02, 50_000
    ),
    PolicyRef(
        "YBT-17", "产业扶贫贷款保证保险", "INSURANCE", "带贫企业、合作社扶贫贷款的还款保证", "金融扶贫", 0.02, 500_000
    ),
    PolicyRef("YBT-18", "农房保险", "INSURANCE", "自然灾害、火灾造成的农房损毁", "收入兜底", 0.01, 20_000),
    PolicyRef("YBT-19", "务工收入损失保险", "INSURANCE", "外出务工人员因伤病误工的收入损失", "收入兜底", 0.03, 10_000),
)
YBT_POLICY = PolicyRef(
    YBT,
    "一保通",
    "INSURANCE",
    "县财政为全县2.7万户农户每人每年出资16元统一投保，一户一单、19个险种打包，"
    "覆盖农业生产、产业项目、金融扶贫、健康扶贫、收入兜底；保本微利、盈亏互补，各险种设费率上限和最低保额。",
)
CHRONIC_TYPE = "YBT-03"
OTHER_POLICIES: tuple[PolicyRef, ...] = (
    PolicyRef("MED-01", "健康扶贫“三保险三救助”", "MEDICAL", "基本医保、大病保险、补充医疗保险和民政、临时、慈善救助"),
    PolicyRef("MED-02", "先诊疗后付费、一站式结算", "MEDICAL", "贫困人口县域内住院先诊疗后付费"),
    PolicyRef("EDU-01", "雨露计划", "EDUCATION", "贫困家庭子女接受中高职教育补助"),
    PolicyRef("EDU-02", "建档立卡学生教育资助", "EDUCATION", "学前到高中阶段贫困家庭学生资助"),
    PolicyRef("HOU-01", "农村危房改造", "HOUSING", "C级、D级危房维修加固或拆除重建补助"),
    PolicyRef("CRD-01", "扶贫小额信贷", "CREDIT", "5万元以下、3年以内、免担保免抵押、基准利率放贷、财政贴息"),
    PolicyRef("EMP-01", "生态护林员公益岗位", "EMPLOYMENT", "选聘有劳动能力的贫困人口管护森林资源"),
    PolicyRef("EMP-02", "转移就业技能培训", "EMPLOYMENT", "贫困劳动力技能培训和外出务工交通补贴"),
    PolicyRef("SUB-01", "产业扶贫奖补", "SUBSIDY", "发展种养产业的贫困户按规模奖补"),
    PolicyRef("SUB-02", "退耕还林补助", "SUBSIDY", "新一轮退耕还林每亩补助"),
    PolicyRef("ALW-01", "农村最低生活保障", "ALLOWANCE", "低保标准以下家庭按差额补助"),
    PolicyRef("ALW-02", "特困人员救助供养", "ALLOWANCE", "农村五保对象集中或分散供养"),
    PolicyRef("REL-01", "易地扶贫搬迁", "RELOCATION", "一方水土养不活一方人的地方整村或插花搬迁"),
)

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("DEPT-AGRI", "交口县农业农村局"),
    ("DEPT-CULTURE", "交口县文化和旅游局"),
    ("DEPT-EDU", "交口县教育科技局"),
    ("DEPT-FOREST", "交口县林业局"),
    ("DEPT-HEALTH", "交口县卫生健康局"),
    ("DEPT-HOUSING", "交口县住房和城乡建设管理局"),
    ("DEPT-HRSS", "交口县人力资源和社会保障局"),
    ("DEPT-POVERTY", "交口县扶贫开发服务中心"),
    ("DEPT-TRANSPORT", "交口县交通运输局"),
    ("DEPT-WATER", "交口县水利局"),
)
FUND_SOURCES: tuple[tuple[str, str, int], ...] = (  # id suffix, source, share of allocations (percent)
    ("CENTRAL", "中央财政专项扶贫资金", 38),
    ("PROVINCE", "省级财政专项扶贫资金", 17),
    ("CITY", "市级财政专项扶贫资金", 8),
    ("COUNTY", "县级财政专项扶贫资金", 12),
    ("INTEGRATED", "统筹整合涉农资金", 20),
    ("SOCIAL", "社会帮扶资金", 5),
)

# Helping units and their levels.
HELPER_UNITS: tuple[tuple[str, str], ...] = (
    ("山西省财政厅", "PROVINCE"),
    ("山西省农业农村厅", "PROVINCE"),
    ("山西省林业和草原局", "PROVINCE"),
    ("吕梁市人民医院", "CITY"),
    ("吕梁市农业农村局", "CITY"),
    ("吕梁市教育局", "CITY"),
    ("吕梁市税务局", "CITY"),
    ("交口县扶贫开发服务中心", "COUNTY"),
    ("交口县农业农村局", "COUNTY"),
    ("交口县林业局", "COUNTY"),
    ("交口县卫生健康局", "COUNTY"),
    ("交口县教育科技局", "COUNTY"),
    ("交口县人民医院", "COUNTY"),
    ("交口县财政局", "COUNTY"),
    ("交口县自然资源局", "COUNTY"),
    ("交口县公安局", "COUNTY"),
    ("交口县农村信用联社", "COUNTY"),
    ("交口县供电公司", "COUNTY"),
)
FIRST_SECRETARY_UNITS = HELPER_UNITS[:12]

POVERTY_CAUSES: tuple[tuple[str, int], ...] = (  # cause, weight among registered poor households
    ("因病", 30),
    ("缺技术", 17),
    ("缺资金", 14),
    ("缺劳力", 10),
    ("因残", 9),
    ("因学", 6),
    ("自身发展动力不足", 5),
    ("交通条件落后", 4),
    ("缺土地", 3),
    ("因灾", 2),
)
CHRONIC_DISEASES = (
    "高血压",
    "糖尿病",
    "慢性阻塞性肺疾病",
    "冠心病",
    "脑血管病后遗症",
    "类风湿性关节炎",
    "慢性心力衰竭",
    "慢性肾病",
    "慢性病毒性肝炎",
    "帕金森病",
)
SERIOUS_DISEASES = ("恶性肿瘤", "尿毒症", "耐药结核", "重性精神病")
WORKED_CLAIM_DISEASE = "慢性心力衰竭"
MIGRANT_PLACES = (
    "交口县城",
    "吕梁市离石区",
    "孝义市",
    "介休市",
    "太原市",
    "北京市",
    "陕西省西安市",
    "内蒙古鄂尔多斯市",
)
DROPOUT_REASONS = ("厌学", "随父母外出", "家庭困难")
ETHNICITIES_RARE = ("回族", "蒙古族", "满族")
WATER_SOURCES: tuple[tuple[str, int], ...] = (("TAP", 78), ("WELL", 10), ("SPRING", 6), ("CISTERN", 5), ("HAULED", 1))
HOUSING_STRUCTURES: tuple[tuple[str, int], ...] = (("砖混", 45), ("砖木", 25), ("窑洞", 20), ("土木", 8), ("其他", 2))

MEASURE_KINDS: dict[str, tuple[str, ...]] = {  # kind -> sub-kinds
    "INDUSTRY": ("产业奖补", "入股分红", "技术培训", "种苗发放"),
    "EMPLOYMENT": ("转移就业", "技能培训", "交通补贴"),
    "RELOCATION": ("易地扶贫搬迁安置",),
    "PUBLIC_SERVICE_JOB": ("生态护林员", "村级保洁员", "光伏公益岗"),
    "EDUCATION": ("雨露计划", "义务教育资助", "高中资助"),
    "HEALTH": ("家庭医生签约", "慢性病门诊", "先诊疗后付费"),
    "HOUSING_RENOVATION": ("危房维修加固", "危房拆除重建"),
    "MICROCREDIT": ("扶贫小额信贷",),
    "INSURANCE": ("一保通",),
    "INFRASTRUCTURE": ("入户道路硬化", "安全饮水入户"),
    "ALLOWANCE": ("农村低保", "特困供养", "临时救助"),
    "ECOLOGICAL_COMPENSATION": ("退耕还林补助", "生态公益林补偿"),
}
VISIT_NOTES = (
    "了解家庭收支，宣讲一保通理赔流程",
    "核对帮扶措施落实情况，户主签字确认",
    "查看菌棒出菇情况，协调园区收购",
    "了解务工情况，推荐就业岗位",
    "督促慢性病按时复诊，核对报销情况",
    "核实子女在校情况，讲解教育资助政策",
    "查看住房安全情况",
    "讲解产业奖补政策，商议明年发展计划",
)
EXPERT_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (  # field, industries advised
    ("食用菌栽培", ("FUNGI",)),
    ("食用菌病虫害防治", ("FUNGI",)),
    ("菌棒工厂化生产", ("FUNGI",)),
    ("生猪养殖", ("LIVESTOCK",)),
    ("畜牧兽医", ("LIVESTOCK", "DONKEY", "CHICKEN")),
    ("核桃栽培", ("WALNUT",)),
    ("经济林管理", ("WALNUT", "FOREST_ECONOMY")),
    ("中药材种植", ("HERBS",)),
    ("杂粮育种", ("MILLET", "CROPS")),
    ("光伏工程", ("PHOTOVOLTAIC",)),
    ("乡村旅游规划", ("LEISURE_AGRI",)),
    ("农业经济管理", ("FUNGI", "WALNUT")),
    ("项目绩效评价", ()),
    ("农田水利", ()),
    ("道路工程", ()),
)
# Project templates: (name suffix, industry or None, declaring department).
PROJECT_KINDS: tuple[tuple[str, str | None, str], ...] = (
    ("食用菌大棚建设项目", "FUNGI", "DEPT-AGRI"),
    ("香菇菌棒补贴项目", "FUNGI", "DEPT-AGRI"),
    ("黑木耳种植基地项目", "FUNGI", "DEPT-AGRI"),
    ("生猪标准化养殖圈舍项目", "LIVESTOCK", "DEPT-AGRI"),
    ("肉牛养殖小区项目", "LIVESTOCK", "DEPT-AGRI"),
    ("核桃提质增效项目", "WALNUT", "DEPT-FOREST"),
    ("核桃嫁接改良项目", "WALNUT", "DEPT-FOREST"),
    ("村级光伏电站项目", "PHOTOVOLTAIC", "DEPT-POVERTY"),
    ("中药材种植基地项目", "HERBS", "DEPT-AGRI"),
    ("绿色谷子种植项目", "MILLET", "DEPT-AGRI"),
    ("林下养鸡项目", "CHICKEN", "DEPT-FOREST"),
    ("肉驴养殖项目", "DONKEY", "DEPT-AGRI"),
    ("乡村旅游配套项目", "LEISURE_AGRI", "DEPT-CULTURE"),
    ("通村道路硬化工程", None, "DEPT-TRANSPORT"),
    ("农村饮水安全巩固提升工程", None, "DEPT-WATER"),
    ("小型农田水利工程", None, "DEPT-WATER"),
    ("村卫生室标准化建设", None, "DEPT-HEALTH"),
    ("贫困劳动力技能培训项目", None, "DEPT-HRSS"),
    ("危房改造项目", None, "DEPT-HOUSING"),
    ("雨露计划培训补助项目", None, "DEPT-EDU"),
)
