"""The Chinese text of the command line and of `clubrules demo`, by key."""

MESSAGES: dict[str, str] = {
    # the frame of the story
    "demo.intro": "clubrules 演示：莲花美容会所的一个春天，一条规则接一条规则。",
    "demo.stored_in": "所有数据都存放在{where}中（数据库结构版本{version}）。",
    "demo.temporary_file": "一个临时 SQLite 文件",
    "demo.chapter.database": "数据库",
    "demo.tables": "故事结束后 SQLite 中各表的行数：",
    "demo.rows.one": "{count:>5}行",
    "demo.rows.other": "{count:>5}行",
    "demo.kept": "已保留：{path}。可用任何 SQLite 客户端打开。",
    "demo.deleted": "临时文件现已删除。用 --database PATH 可保留它。",
    "demo.done": "完毕。",
    # customers
    "demo.chapter.customers": "顾客：一个手机号，只解析一次",
    "demo.customers.typed": (
        "前台输入的号码有{typed}个字符；以 E.164 格式保存（{stored}个字符，地区 {region}）。"
    ),
    "demo.customers.masked": "屏幕和日志中只显示掩码：{masked}",
    "demo.customers.found": "用另一种写法的号码查到：{found}",
    "demo.customers.winter": "{regulars}位常客整个冬天都来：保存了{stored}笔消费，金额为精确小数。",
    "demo.customers.march": "顾客 c-001 的三月（{zone} 时间）：",
    "demo.customers.record": "  {kind}：{service}，{amount}",
    "demo.customers.kind.purchase": "消费",
    "demo.customers.kind.refund": "退款",
    "demo.customers.net": "净消费：{spend}（消费减退款；核销不计入）",
    "demo.service.facial": "补水面部护理",
    "demo.service.massage_package": "十次按摩套餐",
    "demo.service.colour_package": "年度染发护理套餐",
    # calendar
    "demo.chapter.calendar": "营业日历：跨越春节的营业时间截止时间",
    "demo.calendar.open": "周一至周六营业，10:00-21:00。",
    "demo.calendar.closed": "{first}至{last}春节休息；{make_up}调休上班。",
    "demo.calendar.complaint": "{registered}收到的投诉必须在",
    "demo.calendar.within": "{hours}内答复（会所制度写的是24小时；",
    "demo.calendar.counts": "会所只计算营业时间）。",
    "demo.calendar.deadline": "截止时间：{due}，{days}之后。",
    "demo.calendar.between": "其间的营业时间：{hours}。",
    # booking
    "demo.chapter.booking": "预约：检查请求，冲突时推荐其他时间",
    "demo.booking.facial": "周日晚上（调休工作日），{desk}为 c-001 预约了周一10:30的面部护理，由{staff}服务。",
    "demo.booking.colour": (
        "周一09:00：预约李老师14:00在{room}染发；确认码有{length}个字符（随机生成，带校验字符）。"
    ),
    "demo.booking.reminder": "提前{before}提醒，避开免打扰时段：{at}",
    "demo.booking.refused": "13:30又有人要约李老师15:00在 room-1 染发：被拒绝，因为",
    "demo.booking.window": "（{start}-{end}）",
    "demo.booking.reason": "  - {code}：{text}{window}",
    "demo.booking.gap": (
        "  为什么有两段时间：李老师14:00-14:30为 bk-0302-1 服务，染发静置的40分钟内空闲，"
        "15:10-15:30再次服务；\n"
        "  房间在静置和10分钟清洁期间一直占用，14:00-15:40。静置期间释放员工，不释放房间。"
    ),
    "demo.booking.offered": "推荐改约：",
    "demo.booking.same_room": "同一房间",
    "demo.booking.in_room": "在{room}",
    "demo.booking.slot": "  - {start}-{end}，李老师，{room}",
    "demo.booking.twin": (
        "另一个前台看着过时的屏幕，也要约李老师14:00：SQLite 拒绝写入（{clashes}处冲突）；没有重复预约。"
    ),
    "demo.booking.month": (
        "三月其余日子的前台：{desk}共预约{booked}次面部护理；{served}次完成，{no_shows}次爽约，"
        "{late}次逾时取消，{timely}次按时取消。"
    ),
    "demo.booking.none_settled": "无已结算预约",
    "demo.booking.rate": (
        "从 SQLite 读回：{desk}三月的预约成功率为{completed}/{settled} = {rate}（不计按时取消）。"
    ),
    "demo.yes": "有",
    "demo.no": "无",
    # privacy
    "demo.chapter.privacy": "隐私：加密保存的过敏信息、一次被拒的读取、一次留痕的读取",
    "demo.privacy.consent": "顾客{name}（{phone}）一月单独同意将其过敏信息用于服务提供。",
    "demo.privacy.sealed": (
        "她的过敏记录加密后存入顾客记录：{sealed}，以她专属的数据密钥 {key} 做 AES-256-GCM 加密。"
    ),
    "demo.privacy.column": "SQLite 列中是{size}字节密文；其中能否找到明文：{found}。",
    "demo.privacy.refused": "前台 cs-02 要求查看：被拒绝（{reason}）。",
    "demo.privacy.read": "美容师 st-wang 在10:30面部护理前查看：共{count}项过敏，日志中显示为 {shown}。",
    "demo.privacy.log": "SQLite 中的访问日志回答了谁、何时、为何查看她的过敏信息：",
    "demo.privacy.outcome_read": "已读取",
    "demo.privacy.outcome_refused": "被拒绝（{reason}）",
    "demo.privacy.event": "  {at}  {actor}（{role}）用于 {purpose}：{outcome}",
    # complaints
    "demo.chapter.complaints": "投诉：24小时内响应，7天内解决，按营业时间计算",
    "demo.complaints.no_resolution": "没有解决时限",
    "demo.complaints.registered": "{at}通过微信登记，分派给 {desk}。",
    "demo.complaints.festival": "  {status}（春节期间不计时）",
    "demo.complaints.status": "  {status}",
    "demo.complaints.paused": "{desk} 第二天上午回电，询问事情发生在哪一天：计时暂停。",
    "demo.complaints.answered": "顾客节后才答复；暂停了{paused}。",
    "demo.complaints.closed": "（不营业：提醒顺延）",
    "demo.complaints.nothing_due": "无到期提醒",
    "demo.complaints.clock": "{at}检查时限{closed}：{alerts}",
    "demo.complaints.substantiated": "投诉属实：已采取补救措施，赔偿{compensation}并道歉。",
    "demo.complaints.reopened": "回访电话：顾客不满意，仍在重开期限内，投诉重新{state}。",
    "demo.complaints.closed_case": "{resolved}再次解决；{followed}回访：{state}。",
    "demo.complaints.stored": "在 SQLite 中存为{events}个事件；按 {policy} v1 重放。",
    "demo.complaints.second": "第二起投诉 {case} 通过电话提出：次日已响应，但解决",
    "demo.complaints.late": "  太晚：{status}。",
    # tiering
    "demo.chapter.tiering": "会员等级：月末运行、RFM 分群与等级决定",
    "demo.tiering.tier": "{name:>7}：净消费达到{qualify} CNY即可升级，复审时不低于{keep} CNY即可保级",
    "demo.tiering.summaries": "用一条 SQL 汇总了{count}位顾客最近{window}的数据（已扣除退款）。",
    "demo.tiering.header": "顾客      到店次数  净消费      RFM  分群                 等级",
    "demo.tiering.moved": " <- {previous}（{reason}）",
    "demo.tiering.changes": "{review}复审共有{changes}次等级变动；升级在两次复审之间",
    "demo.tiering.between": "随时生效，降级只在复审时进行。",
    # care
    "demo.chapter.care": "关怀：流失预警与本周关怀任务",
    "demo.care.rule": "{rule} 规则比较最近{recent}与之前{baseline}（{count}位顾客有基准数据）。",
    "demo.care.warning": "{customer}：基准期到店{baseline}次，近期{recent}次：{text}",
    "demo.care.severity": "  严重程度：{severity}；建议关怀：{action}",
    "demo.care.stored": (
        "已保存{stored}条跟进任务；{later}后再运行一次：{again}条预警（冷却期{days}天，从 SQLite 读回）。"
    ),
    "demo.care.skin_check": "面部护理后的皮肤回访",
    "demo.care.colour_check": "染发效果回访",
    "demo.care.week": "四月第一周，从 SQLite 读回（周日不营业：",
    "demo.care.week_more": "落在周日的问候提前到周六）：",
    # staff
    "demo.chapter.staff": "员工：满分100分的评分表，以及连续两次不合格的后果",
    "demo.staff.rubric": "初始评分细则：工作态度30分，业务能力40分，工作业绩30分。",
    "demo.staff.bookings": "从 SQLite 读取：她经手的{settled}个已结算预约中有{completed}个已完成；",
    "demo.staff.targets": "她三月结束的{cases}起投诉的 SLA 时限中，{achieved}个达成，{breached}个超时。",
    "demo.staff.reward": "建议给予奖励",
    "demo.staff.excellent": "{excellent}分起为优秀",
    "demo.staff.march": "三月：{total}分 -> {band}；{reward}。",
    "demo.staff.suppose": "假设四月和五月表现不佳（数字为给定，非计算所得）：",
    "demo.staff.april": "四月：{total}分 -> {band}。已记录警告谈话；须在{deadline}前改进。",
    "demo.staff.may": "五月：{total}分 -> {band}，连续第二个考核周期不合格。",
    "demo.staff.flags": "本库只标记需要评审，并附上两张评分表和警告记录；",
    "demo.staff.decides": "由会所经理查看证据后作决定。",
    # training
    "demo.chapter.training": "培训：谁落后了、预算情况，以及投诉带来的培训建议",
    "demo.training.read": "从 SQLite 读回三月的{sessions}次培训和{records}条签到记录。",
    "demo.training.rules": "规则：入职培训须在{days}个营业日内完成，服务培训每月两次，",
    "demo.training.rules_more": "安全培训每季度一次，隐私培训每年一次。截至{at}：",
    "demo.training.kpi": "{desk}：{total}项培训义务中按时完成{met}项；评分细则可以据此打分（见操作指南）。",
    "demo.training.topic.hygiene": "卫生标准",
    "demo.training.topic.waiting": "按预约时间服务",
    "demo.training.topic.sla": "按时处理投诉",
    "demo.training.suggests": "根据已存储的{cases}起投诉，三月建议：",
    # activities
    "demo.chapter.activities": "活动：面向金卡和银卡会员的春季会员活动",
    "demo.activities.planned": (
        "{name}（{kind}活动），{start}-{end}，{capacity}个名额，候补{waitlist}人："
        "预约号 {booking}，在 room-2，由 st-wang 主持。"
    ),
    "demo.activities.refused": "一小时后的面部护理体验课被拒绝：{taken} 已被占用。",
    "demo.activities.audience": "按已存记录的会员等级确定的受众：{audience}。",
    "demo.activities.invitations": "邀请作为关怀任务，{due}到期：{invited}",
    "demo.activities.invited": "{customer}（同意记录 {consent}）",
    "demo.activities.not_invited": "  未邀请：{customer}（{reason}）",
    "demo.activities.sign_ups": "报名：{roster}",
    "demo.activities.change": "  {at}：{customer} {status}",
    "demo.activities.door": "签到：{roster}",
    "demo.activities.record": "c-003 的参与记录：{record}",
    "demo.activities.figures": (
        "{on}的数据：邀请{invited}人，报名{signed_up}人，出席{attended}人，"
        "爽约{no_shows}人，出席率{rate}%。"
    ),
    "demo.activities.satisfaction": "来自{responses}份参加者问卷的满意度：得分{score}（满分100），CSAT {csat}%。",
    "demo.activities.so_far": "（截至目前）",
    "demo.activities.spend": "{days}内人均消费{so_far}：受邀者{invited}，未受邀的受众（{count}人）{other}。",
    # the command line
    "cli.sep": "；",
    "cli.tier.review": "适用{review}的复审：会考虑降级",
    "cli.tier.no_review": "未到复审（下次{next}）：只升级",
    "cli.tier.customers.one": "{count}位顾客",
    "cli.tier.customers.other": "{count}位顾客",
    "cli.tier.head": "{path}：{customers}，截至{day}的{days}（{zone}）；消费以 {currency} 计",
    "cli.tier.program": "会员等级按{days}天消费确定；{when}。",
    "cli.tier.columns": "顾客|天数|到店|消费|RFM|分群|等级",
    "cli.tier.change": "{count}次等级变动",
    "cli.tier.changes": "{count}次等级变动",
    "cli.tier.warning": "{count}条流失预警",
    "cli.tier.warnings": "{count}条流失预警",
    "cli.tier.warning_columns": "顾客|严重程度|建议关怀|原因",
    "cli.check.summary": "{path}：{resources}上的{bookings}",
    "cli.check.bookings.one": "{count}个预约",
    "cli.check.bookings.other": "{count}个预约",
    "cli.check.resources.one": "{count}个资源",
    "cli.check.resources.other": "{count}个资源",
    "cli.check.none": "{summary}；没有冲突",
    "cli.check.found.one": "{summary}；{count}处冲突（时间按 {zone}）",
    "cli.check.found.other": "{summary}；{count}处冲突（时间按 {zone}）",
    "cli.check.columns": "资源|预约（行号）|开始|结束|",
    "cli.check.overlap": "重叠",
    "cli.check.over_capacity": "同时{peak}个，容量{capacity}",
}
