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
}
