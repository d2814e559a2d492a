"""A small bank of government-news Chinese, recombined per article.

Every string uses full-width punctuation, as a real page does. Text generators take a
``random.Random`` seeded per article, so a page's prose is a pure function of
(site seed, article index, revision).
"""

from __future__ import annotations

import itertools
import random

SITE_NAME = "武汉市人民政府门户网站"
SITE_DOMAIN = "www.wuhan.gov.cn"
SITE_ID_CODE = "4201000003"

TOPICS: tuple[str, ...] = (
    "优化营商环境",
    "城市更新",
    "防汛备汛",
    "稳增长促消费",
    "乡村振兴",
    "长江大保护",
    "安全生产",
    "科技创新",
    "民生实事",
    "老旧小区改造",
    "数字政府建设",
    "就业创业",
    "养老服务",
    "基础教育",
    "交通综合治理",
    "文明城市创建",
    "招商引资",
    "光谷科创大走廊建设",
    "生活垃圾分类",
    "政务服务“一网通办”",
    "汽车产业转型升级",
    "医疗卫生服务",
    "湖泊保护",
    "口袋公园建设",
)

SUBJECTS: tuple[str, ...] = (
    "市发改委",
    "市经信局",
    "市住房城更局",
    "市生态环境局",
    "市民政局",
    "市人社局",
    "市教育局",
    "市水务局",
    "市城管执法委",
    "市交通运输局",
    "市商务局",
    "市卫健委",
    "市政务服务和大数据管理局",
)

DISTRICTS: tuple[str, ...] = (
    "江岸区",
    "江汉区",
    "硚口区",
    "汉阳区",
    "武昌区",
    "青山区",
    "洪山区",
    "东西湖区",
    "蔡甸区",
    "江夏区",
    "黄陂区",
    "新洲区",
    "东湖高新区",
    "武汉经开区",
)

PEOPLE: tuple[str, ...] = (
    "李佳",
    "王晓明",
    "张敏",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "周婷",
    "吴昊",
    "郑涛",
    "胡蓉",
    "黄海燕",
)

SOURCES: dict[str, tuple[str, ...]] = {
    "whyw": ("长江日报", "武汉发布", "湖北日报", "长江网"),
    "kwh": ("人民日报", "新华社", "央视新闻", "光明日报", "经济日报", "中国新闻网"),
    "tzgg": ("武汉市人民政府办公厅", "市政务服务和大数据管理局", "市人社局", "市住房城更局"),
    "zcjd": ("市发改委", "市经信局", "市司法局", "市财政局"),
    "szfwj": ("武汉市人民政府办公厅",),
    "gfxwj": ("武汉市人民政府办公厅", "武汉市司法局"),
    "zfgz": ("武汉市司法局",),
    "gqdt": ("江汉区人民政府", "武昌区人民政府", "洪山区人民政府", "硚口区人民政府", "东湖高新区管委会"),
    "whly": ("市文化和旅游局", "长江日报", "武汉发布"),
}

ISSUERS: dict[str, tuple[str, ...]] = {
    "zcjd": ("武汉市发展和改革委员会", "武汉市经济和信息化局", "武汉市财政局"),
    "szfwj": ("武汉市人民政府",),
    "gfxwj": ("武汉市人民政府", "武汉市人民政府办公厅"),
    "zfgz": ("武汉市人民政府",),
}

THEMES: tuple[str, ...] = (
    "综合政务/通知",
    "城乡建设、环境保护/城市规划",
    "国民经济管理、国有资产监管/发展规划",
    "劳动、人事、监察/就业",
    "卫生、体育/医药管理",
)

# The seed page (../../shared/seed-example.txt) with the page's full-width punctuation.
SEED_TITLE = "全市党员干部下基层察民情解民忧暖民心，实践活动动员部署会召开"
SEED_PARAGRAPHS: tuple[str, ...] = (
    "5月26日，我市召开全市党员干部下基层察民情解民忧暖民心实践活动动员部署会议。"
    "湖北省委常委、武汉市委书记郭元强出席会议并强调，全市广大党员干部要坚持以习近平新时代"
    "中国特色社会主义思想为指导，深入学习贯彻习近平总书记考察湖北武汉重要讲话精神，践行以人民"
    "为中心的发展思想，按照省委部署要求，深入基层、深入实际、深入群众，着力在基层第一线倾听呼声、"
    "发现问题、化解矛盾、推动发展，努力保持平稳健康的经济环境、国泰民安的社会环境、风清气正的"
    "政治环境，以实际行动迎接党的二十大和省第十二次党代会胜利召开。",
    "市委副书记、市长程用文主持会议。市人大常委会主任胡立山，市政协主席杨智出席会议。"
    "市委副书记、市委政法委书记李义龙就《关于开展党员干部下基层察民情解民忧暖民心实践活动的"
    "实施方案》作说明。",
    "郭元强指出，省委决定在全省开展党员干部下基层察民情解民忧暖民心实践活动，是践行以人民为中心"
    "的发展思想，巩固“我为群众办实事”实践活动成果，推动党史学习教育常态化长效化的重要举措，"
    "是走好新时代党的群众路线、依靠人民群众力量落实党中央“疫情要防住、经济要稳住、发展要安全”"
    "重要要求，以优异成绩迎接党的二十大的具体行动。 要切实把思想和行动统一到省委部署要求上来，"
    "把实现好、维护好、发展好最广大人民的根本利益作为一切工作的出发点和落脚点，精心组织、周密"
    "部署、扎实推进，多办得人心、暖民心、筑同心的好事实事，确保实践活动取得实实在在的成效。",
    "郭元强强调，要准确把握省委要求，抓住关键、结合实际、推进落实，努力做到下基层身入心到、"
    "察民情全面精准、解民忧务求实效、暖民心主动及时，确保实践活动走深走实。 要坚持领导带头、"
    "以身示范，带动全市党员干部应下尽下、能下尽下，带着责任、带着感情，深入基层一线发现矛盾问题、"
    "倾听群众呼声、汲取群众智慧、解决实际问题。要强化问题导向、目标导向、效果导向，紧盯群众"
    "“急愁难盼”、市场主体生产经营困难、重点领域矛盾纠纷，深入调查研究，把企业和群众的所思所忧"
    "所盼转化为问题清单、任务清单、效果清单，以解决问题的实际成效取信于民。要发挥部门职能作用，"
    "既要聚焦群众身边的小事实事，用“小切口”推动“大变化”，也要推动部门单位资源平台力量下沉，"
    "着力提升基层服务群众水平。要尊重群众主体地位，坚持群众的事由群众做主，问需于民、问计于民、"
    "问效于民，发动群众决策共谋、发展共建、建设共管、效果共评、成果共享，共同建设美好家园。"
    "要坚持群众满意标准，请群众参与、让群众监督、由群众评判，在听取群众意见中发现不足，使工作"
    "更加符合人民愿望。",
    "郭元强要求，要加强组织领导，压实各级党委（党组）主体责任、主要负责同志第一责任人责任，"
    "人大、政协机关要组织代表委员参与实践活动，各级各部门要各负其责、形成合力。要加强工作统筹，"
    "做好分类指导，强化督查督办，突出常态长效。要注重统筹兼顾，扎实做好疫情防控、稳增长、防汛"
    "备汛、安全生产、平安稳定、风险防范化解等各项工作，努力完成全年目标任务。",
    "市委常委，市政府副市长，市人民检察院检察长，其他副市级、正厅级领导同志等参加会议。"
    "武汉经开区、新洲区、市委直属机关工委、市发改委、市民政局负责同志作表态发言。",
)
SEED_SOURCE = "长江日报"

_LEADS: tuple[str, ...] = (
    "{md}，{subj}召开专题会议，研究部署{topic}工作。",
    "{md}，记者从{subj}获悉，我市{topic}工作取得阶段性成效。",
    "{md}，{district}组织开展{topic}专项行动，推动各项任务落地见效。",
    "{md}，全市{topic}现场推进会在{district}召开。",
)

_SENTENCES: tuple[str, ...] = (
    "会议强调，要坚持问题导向，聚焦{topic}中的难点堵点，拿出务实管用的举措。",
    "据统计，今年以来全市累计完成相关投资{num}亿元，同比增长{pct}%。",
    "各区各部门要压紧压实责任，加强统筹协调，确保各项工作有序推进。",
    "下一步，{subj}将持续深化{topic}，不断提升群众的获得感、幸福感、安全感。",
    "截至{month}月底，{district}已建成相关项目{count}个，惠及群众{wan}万人。",
    "会议指出，{topic}事关全市发展大局，必须以更高标准、更实举措抓好落实。",
    "要加强督查督办，建立工作台账，实行清单化管理、项目化推进。",
    "{subj}相关负责人表示，将进一步优化服务流程，压缩办理时限，让数据多跑路、群众少跑腿。",
    "与会人员围绕{topic}进行了深入交流，提出了具体意见建议。",
    "要坚持系统观念，统筹发展和安全，守牢安全底线。",
    "{district}负责同志介绍，当地已将{topic}纳入年度重点工作，按月调度、按季通报。",
    "市民可通过“武汉市民之家”网站及“i武汉”移动端查询办理进度。",
)

_HEADINGS: tuple[str, ...] = (
    "强化组织领导",
    "突出问题导向",
    "加强要素保障",
    "严格督促检查",
    "注重宣传引导",
)

_CN_NUMERALS = "一二三四五六七八九十"


def _fill(template: str, rng: random.Random, topic: str, md: str = "") -> str:
    return template.format(
        md=md,
        topic=topic,
        subj=rng.choice(SUBJECTS),
        district=rng.choice(DISTRICTS),
        num=f"{rng.randint(12, 980)}.{rng.randint(1, 9)}",
        pct=f"{rng.randint(2, 24)}.{rng.randint(1, 9)}",
        month=rng.randint(3, 11),
        count=rng.randint(11, 260),
        wan=rng.randint(2, 90),
    )


def title(column_key: str, rng: random.Random, topic: str, year: int) -> str:
    """A title in the manner of the column; some are long enough to be truncated in lists."""
    district = rng.choice(DISTRICTS)
    subj = rng.choice(SUBJECTS)
    templates: dict[str, tuple[str, ...]] = {
        "whyw": (
            "我市召开{topic}工作推进会",
            "{district}{topic}重点项目集中开工 总投资{num}亿元",
            "全市{topic}现场推进会召开，要求以更实举措推动高质量发展",
            "市政府常务会议研究{topic}等工作",
            "{subj}：今年以来我市{topic}工作取得新进展",
        ),
        "kwh": (
            "{media}：武汉{topic}跑出“加速度”",
            "{media}关注武汉{topic}新实践",
            "{media}｜{district}探索{topic}新路径，让群众看得见、摸得着、得实惠",
        ),
        "tzgg": (
            "关于做好{year}年{topic}工作的通知",
            "关于开展{topic}专项检查的公告",
            "武汉市{topic}项目公示",
            "{subj}关于{year}年度{topic}资金申报工作有关事项的通知",
        ),
        "zcjd": (
            "《武汉市{topic}实施方案》政策解读",
            "图解：武汉市关于进一步推进{topic}的若干措施",
            "一图读懂《武汉市{topic}三年行动计划（{year}—{year2}年）》",
        ),
        "szfwj": (
            "市人民政府关于印发武汉市{topic}实施方案的通知",
            "市人民政府关于加快推进{topic}的意见",
            "市人民政府关于印发武汉市{year}年{topic}工作要点的通知",
        ),
        "gfxwj": (
            "市人民政府办公厅关于印发武汉市{topic}管理办法的通知",
            "市人民政府关于进一步规范{topic}工作的意见",
            "市人民政府办公厅关于印发武汉市{topic}若干措施的通知",
        ),
        "gqdt": (
            "{district}召开{topic}工作推进会",
            "{district}：“{topic}”跑出加速度",
            "{district}多措并举推动{topic}落地见效",
        ),
        "zfgz": (
            "武汉市{topic}管理办法",
            "武汉市{topic}若干规定",
            "武汉市人民政府关于修改《武汉市{topic}管理办法》的决定",
        ),
        "whly": (
            "{district}文旅新地标开门迎客",
            "游武汉｜{district}推出{topic}主题精品线路",
            "“{year}武汉文旅消费季”启动 {district}多项活动同步开展",
        ),
    }
    template = rng.choice(templates[column_key])
    return template.format(
        topic=topic,
        district=district,
        subj=subj,
        media=rng.choice(SOURCES["kwh"]),
        num=rng.randint(20, 600),
        year=year,
        year2=year + 2,
    )


def lead_paragraph(rng: random.Random, topic: str, md: str) -> str:
    """The opening paragraph: a date (``5月26日``), who, what."""
    text = _fill(rng.choice(_LEADS), rng, topic, md)
    return text + _fill(rng.choice(_SENTENCES), rng, topic)


def body_paragraph(rng: random.Random, topic: str) -> str:
    """Two or three sentences of ordinary report prose."""
    picks = rng.sample(_SENTENCES, rng.randint(2, 3))
    return "".join(_fill(s, rng, topic) for s in picks)


def split_for_inline(text: str, rng: random.Random) -> tuple[str, ...]:
    """Cut a paragraph into 5 pieces at punctuation; the odd ones get inline markup."""
    marks = [k + 1 for k, ch in enumerate(text[:-1]) if ch in "，。、；：" and k > 0]
    pool = marks if len(marks) >= 4 else list(range(2, len(text) - 2))
    cuts = sorted(rng.sample(pool, 4))
    edges = [0, *cuts, len(text)]
    return tuple(text[a:b] for a, b in itertools.pairwise(edges))


def br_lines(rng: random.Random, topic: str) -> tuple[str, ...]:
    """Lines of one ``<p>`` separated by ``<br>``: a contact block."""
    district = rng.choice(DISTRICTS)
    return (
        f"联系单位：{district}{topic}工作专班",
        f"联系电话：027-{rng.randint(82000000, 88999999)}",
        f"办公地址：武汉市{district}政务服务中心{rng.randint(2, 9)}楼",
    )


def heading(n: int, rng: random.Random) -> str:
    """A numbered sub-heading: ``（一）强化组织领导``."""
    return f"（{_CN_NUMERALS[n]}）{rng.choice(_HEADINGS)}"


def numbered_paragraph(n: int, rng: random.Random, topic: str) -> str:
    """A paragraph opening with ``（二）``, as in a plan's numbered items."""
    return f"（{_CN_NUMERALS[n]}）{_fill(rng.choice(_SENTENCES), rng, topic)}"


def braces_paragraph(rng: random.Random) -> str:
    """Ordinary braces that a template-residue cleaner must leave alone."""
    k = rng.randint(3, 9)
    return f"申报主体分为三类，分别以集合{{1,2,3}}中的序号标注，同一主体最多可申报{k}个项目，按序号先后受理。"


def bracket_paragraph(rng: random.Random) -> str:
    """Lenticular brackets that are prose, not editor markup."""
    return (
        "按照网站信息发布“三审三校”制度，稿件须经【责任编辑】初审、【部门负责人】复审、"
        f"【分管领导】终审后方可发布，全年累计审核稿件{rng.randint(1200, 9800)}篇。"
    )


def table_rows(rng: random.Random) -> tuple[tuple[str, ...], ...]:
    """A small statistics table; every cell text is distinct."""
    districts = rng.sample(DISTRICTS, 3)
    counts = rng.sample(range(10, 99), 3)
    rows: list[tuple[str, ...]] = [("序号", "区域", "完成项目（个）", "完成投资（亿元）")]
    for n, (d, c) in enumerate(zip(districts, counts, strict=True), start=1):
        rows.append((f"{n}.", d, f"{c}个", f"{rng.randint(10, 99)}.{n}{rng.randint(1, 9)}"))
    return tuple(rows)


def caption(rng: random.Random, topic: str) -> str:
    """An image caption."""
    return f"图为{rng.choice(DISTRICTS)}{topic}工作现场。记者{rng.choice(PEOPLE)}摄"


def attachment_name(rng: random.Random, topic: str, ext: str) -> str:
    """A file name as it shows in a link text."""
    kinds = ("申报表", "实施方案", "项目清单", "评分细则", "政策汇编", "办事指南")
    return f"武汉市{topic}{rng.choice(kinds)}.{ext}"


def revision_note(revision: int, date: str) -> str:
    """The paragraph an edit appends."""
    return f"（本文于{date}更新，第{revision}次修订。）"


def regulation_dcon(rng: random.Random, topic: str) -> str:
    """``dCon``: the first articles of a regulation, as HTML for a JS string."""
    return (
        f"<p>第一条　为了规范{topic}工作，根据有关法律、法规，结合本市实际，制定本办法。</p>"
        f"<p>第二条　本市行政区域内的{topic}及其监督管理活动，适用本办法。</p>"
    )
