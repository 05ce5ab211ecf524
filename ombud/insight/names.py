"""Word lists the scrubber's name patterns use (docs/scrubbing.md).

Only the pattern rules use them (a name after a label such as 投诉人, or before a title such as
先生); names the caller knows (the complainant's, the practitioner's) are matched exactly,
whatever their characters.
"""

from __future__ import annotations

# Two-character family names, the common ones first (复姓).
COMPOUND_SURNAMES: tuple[str, ...] = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "轩辕",
    "申屠",
    "钟离",
    "闻人",
    "澹台",
    "赫连",
    "呼延",
)

# About 250 single-character family names covering well over 95% of the population (公安部
# 2020 ranking and 百家姓). Left out on purpose: characters that are far more often a word
# than a surname in complaint texts (平 国 人 中 新 太 于 和 向 时 由 明 全 成 安 元 信 来
# 都 那 原 南 海 花 强 车 路 文 方 高 金 石 白 司 区 阳 云 相 初 门 计 万 常 关 严 应 等),
# so that 消费者向保险公司…, 客户安全… or 投保人应当… never look like a name. A name with
# such a surname is still removed when the caller passes it in `known`.
SURNAMES: frozenset[str] = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范贾夏韦付傅邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱覃武"
    "戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符舒阮柯"
    "纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆农卓古吉缪"
    "简项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩佘池查麻苑迟邝官封谈匡鞠惠荆冀郁胥班储栗燕楚鄢劳谌奚皮粟冼蔺楼盘闻厉伊仝"
    "郜阚权帅屠朴盖练廉禹井祖漆巴丰卿狄晋芮戈伏鹿薄邸雍辜羊裘亓修邰赫杭况宿逯隆茹诸战慕危"
    "嵇湛宾戎勾茅揭尉"
)

# Characters common in given names (about 370). A name after a label or before a title is
# taken only when its given-name characters are in this set: that keeps 投诉人陈述…,
# 客户严重不满…, 车主高速行驶… from being read as names. Left out on purpose: characters
# that mostly start the next word (称 说 于 在 向 因 的 是 与 和 及 等 保 险 经 理 先 女 士
# 某 元 全 年 日 …).
GIVEN_NAME_CHARS: frozenset[str] = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华玉萍红燕鹏辉建国民文斌宇浩凯健俊帆帅旭宁"
    "龙林欣颖婷雪琳晶慧丹倩蕾薇佳嘉怡思雨欢晨阳海波峰亮飞鑫鸿宏志东春秋冬梅荣珍凤琴云莲真环香月"
    "莹蓉眉君琼爱妹瑞凡佩玲翠雅芝素娥仙惠珠翔成康星光天达安岩中茂进彬富顺子昌德兵贵生胜学祥"
    "才发武新利清彪良山仁福有坚博诚敬震振壮会群豪心邦承乐绍功松善厚庆友裕河哲江政谦亨奇固翰朗"
    "伯言若鸣朋梁栋维启克伦泽辰致树炎行泰盛雄琛钧冠策腾楠榕风航弘巧美淑洁芬彩菊勤贞莉娣叶璧璐"
    "娅琦妍茜珊莎锦黛青姣婉娴瑾露瑶婵雁蓓仪荷蕊菁梦岚婕馨琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽"
    "希飘育滢馥筠柔竹凝晓霄枫芸菲寒伊亚宜可舒影荔妮宝贝初程恒桦骅剑娇纪宽灵琪晴容睿烁唯威韦"
    "雯萱彦忠宗曼紫逸贤蝶菡蓝儿轩熙涵梓宸奕铭昊皓瑜璇萌钰婧诗语依玥沐然曦诺小家永立继喜金银"
    "铁根水火土木汉桥杨槐翼鹰凰麟鹤"
)

# Words that follow a family name (张先生, 李女士, 王经理): with the family name alone this is how
# published cases already refer to people; with a given name before it (张伟先生) the given
# name is removed.
TITLES: tuple[str, ...] = (
    "先生",
    "女士",
    "小姐",
    "老先生",
    "老太太",
    "经理",
    "总经理",
    "副经理",
    "主任",
    "副主任",
    "师傅",
    "医生",
    "律师",
    "老师",
    "阿姨",
    "大爷",
    "同志",
    "科长",
    "处长",
    "局长",
    "部长",
    "主管",
    "总监",
    "组长",
    "队长",
    "院长",
    "行长",
    "专员",
    "总",
)

# Words after which a person's name usually follows (投诉人李秀英, 业务员：王建国).
NAME_LABELS: tuple[str, ...] = (
    "投诉人",
    "申诉人",
    "来访人",
    "上访人",
    "举报人",
    "信访人",
    "消费者",
    "客户经理",
    "客户",
    "被保险人",
    "被保人",
    "投保人",
    "受益人",
    "当事人",
    "申请人",
    "委托人",
    "代理人",
    "业务员",
    "营销员",
    "销售人员",
    "理赔员",
    "查勘员",
    "定损员",
    "经办人",
    "联系人",
    "驾驶员",
    "驾驶人",
    "车主",
    "患者",
    "病人",
    "姓名",
    "名叫",
    "名为",
    "叫做",
    "经理",
    "主任",
    "妻子",
    "丈夫",
    "儿子",
    "女儿",
    "父亲",
    "母亲",
    "老伴",
    "其妻",
    "其夫",
    "其子",
    "其女",
    "其父",
    "其母",
)
