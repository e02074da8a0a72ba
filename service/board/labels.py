"""Chinese words for what the workbench shows and asks: events, their fields, enum values (issue 23).

The API keeps its English identifiers; officers read these. A name missing here shows as itself,
so a new event is usable on the board before it is translated.
"""

from __future__ import annotations

EVENT_LABELS: dict[str, str] = {
    "accept": "受理/立案", "reject": "不予受理/不予立案", "assign": "指派承办人员", "record_facts": "更正案件事实",
    "add_note": "添加备注", "attach": "添加附件", "detach": "撤下附件", "ask_city": "请示市局",
    "transfer_jurisdiction": "移送管辖", "transfer_accepted": "接受移送", "transfer_declined": "退回移送",
    "transfer_disputed": "管辖争议报请指定", "transfer_designated": "指定管辖",
    "transfer_designated_back": "指定由原单位管辖", "request_designation": "报请指定管辖",
    "start_mediation": "开始调解", "mediation_succeeded": "调解成功", "mediation_failed": "调解不成",
    "request_confirmation": "申请司法确认", "court_confirmed": "法院确认", "court_rejected": "法院不予确认",
    "conclude_investigation": "调查终结", "submit_review": "提交法制审核", "pass_review": "法制审核通过",
    "return_review": "法制审核退回", "notify_penalty": "行政处罚事先告知", "request_hearing": "当事人申请听证",
    "schedule_hearing": "安排听证", "conclude_hearing": "听证结束", "hearing_waived": "放弃听证",
    "reopen_investigation": "补充调查", "record_collective_discussion": "记录集体讨论",
    "record_defence": "记录陈述申辩", "file_defence": "记录陈述申辩", "decide": "作出处理决定", "rule": "作出裁决",
    "refer_to_police": "移送公安机关", "police_accepted": "公安机关立案", "police_declined": "公安机关不予立案",
    "police_returned": "公安机关退回", "police_concluded": "公安机关办结", "request_reconsideration": "提请复议",
    "apply_administrative_review": "申请行政复议", "administrative_review_upheld": "复议维持",
    "administrative_review_revoked": "复议撤销", "administrative_review_changed": "复议变更",
    "file_review_reply": "提交复议答复", "appeal": "提起行政诉讼", "court_upheld": "法院维持",
    "court_overturned": "法院撤销", "demand_payment": "催告履行", "apply_enforcement": "申请法院强制执行",
    "suspend": "中止", "resume": "恢复", "withdraw": "撤回", "dismiss": "撤销案件", "close": "结案",
    "record_service": "记录送达", "record_amounts": "记录涉案金额", "record_payment": "记录缴纳罚款",
    "record_publication": "记录信息公示", "pause_clock": "暂停计时", "resume_clock": "恢复计时",
    "extend_deadline": "延长期限", "create": "登记",
}

FIELD_LABELS: dict[str, str] = {
    "reason": "理由", "agency": "机关", "agreement": "调解协议", "amounts": "涉案金额", "applied_on": "申请日期",
    "attachment_id": "附件编号", "attendees": "参加人员", "cause": "暂停原因", "co_officer": "协办人员",
    "collective_decision": "经集体讨论决定", "collective_required": "需集体讨论", "compensation": "赔偿数额（元）",
    "conclusion": "结论", "confiscation": "没收违法所得（元）", "content_type": "文件类型", "court": "法院",
    "deadline": "期限", "document": "文书", "document_id": "文书编号", "effective_on": "生效日期",
    "enforcement_applied": "已申请强制执行", "evidence": "证据", "facts": "事实", "filed_on": "提交日期",
    "fine": "罚款（元）", "grounds": "理由和依据", "held_on": "召开日期", "higher_level_approval": "上级批准文号",
    "infringement_found": "认定侵权", "legal_basis": "法律依据", "legal_review": "法制审核情形",
    "marks_count": "标识数量", "measures": "处罚措施", "name": "名称", "officers": "承办人员", "opinion": "意见",
    "order": "责令内容", "paid_on": "缴纳日期", "panel": "合议人员", "parties_consent": "双方同意",
    "patent_type": "专利类型", "presided_by": "主持人", "procuratorate": "抄送检察院",
    "proposal": "处理建议", "proposed_confiscation": "拟没收违法所得（元）", "proposed_fine": "拟罚款（元）",
    "proposed_measures": "拟采取措施", "public_safety": "涉及公共安全", "publication_exempt": "不予公示理由",
    "published_on": "公示日期", "question": "请示事项", "received_on": "收到日期", "recipient": "受送达人",
    "record": "记录", "reference": "文号", "requested_at": "申请时间", "served_at": "送达时间", "sha256": "SHA-256",
    "size": "大小（字节）", "text": "内容", "to_district": "移送至", "until": "截止日期",
    "violation_ended_on": "违法行为终了日期", "waived": "放弃", "way": "送达方式", "outcome": "处理结果",
    "case_value": "案值（元）", "illegal_turnover": "违法经营额（元）", "illegal_gains": "违法所得（元）",
    "direct_loss": "直接损失（元）", "unsold_stock_value": "库存货值（元）",
}

VALUE_LABELS: dict[str, str] = {
    "direct": "直接送达", "mail": "邮寄送达", "electronic": "电子送达", "announcement": "公告送达",
    "invention": "发明", "utility_model": "实用新型", "design": "外观设计", "none": "无",
    "penalty": "给予处罚", "no_penalty": "不予处罚", "warning": "警告", "order_to_stop": "责令停止违法行为",
    "destruction": "销毁", "suspension": "停业整顿", "revocation": "吊销", "closure": "取缔",
    "practice_restriction": "限制从业", "downgrade": "降低资质等级",
    "testing": "检验检测", "appraisal": "鉴定", "right_holder_identification": "权利人辨认",
    "request_copy": "申请书副本", "penalty_notice": "处罚告知书", "decision": "决定书",
    "public_interest": "涉及重大公共利益", "major_rights_after_hearing": "经听证的重大权益",
    "complex": "案情疑难复杂", "required_by_law": "法律规定的其他情形", "true": "是", "false": "否",
    "bureau": "本局", "party": "当事人", "city": "市局", "court": "法院", "police": "公安机关",
    "running": "计时中", "paused": "已暂停", "met": "已完成", "lapsed": "已失效", "overdue": "已超期",
    "due_soon": "即将到期", "working_days": "工作日", "calendar_days": "自然日", "natural_days": "自然日",
    "pending": "待发送", "delivered": "已送达", "answered": "已答复", "failed": "发送失败", "expired": "逾期未答复",
    "accepted": "已接受", "declined": "不予接受", "concluded": "已办结", "rejected": "不予受理",
    "closed": "已办结", "official": "国务院公布的节假日", "configured": "本地配置的节假日",
    "provisional": "暂按周末推算（节假日未公布）",
}

ROLE_LABELS: dict[str, str] = {
    "officer": "办案人员", "supervisor": "负责人", "reviewer": "法制审核人员", "city": "市局", "auditor": "监督人员",
    "partner": "协作单位", "admin": "管理员",
}


def event_label(name: str) -> str:
    return EVENT_LABELS.get(name, name)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def value_label(value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return VALUE_LABELS.get(text, text)

DUTY_DONE = {"reply": "督办回复已报送", "close": "督办事项已办结", "answer": "整改情况已报告，待市局验收",
             "accept": "整改已验收"}
"""The success line a city-duty form (督办, 通报整改) leaves on the page it returns to (`?ok=`)."""
DUTY_REFUSALS = {"validation_error": "此项填写有误（不能为空，不超过 10000 字）", "forbidden": "您无权办理此事项",
                 "not_found": "没有这个事项，或无权查看", "invalid_transition": "该事项已办结，不能再办理",
                 "guard_failed": "不满足办理条件（已验收，或尚未报告整改情况）",
                 "version_conflict": "该事项已被他人更新，请刷新页面后重试"}
"""The refusals of the city-duty forms in Chinese, shown beside the field (SPEC §6 codes)."""

DUTY_DONE |= {"monthly": "月度统计数据已确认报送", "plan": "年度行动方案及责任人、联络员名单已报送",
              "summary": "工作总结已报送"}
REPORT_FIELDS = {"month": "统计月份", "reason": "更正原因", "year": "年度", "plan": "行动方案",
                 "responsible_name": "责任人姓名", "responsible_post": "责任人职务", "responsible_phone": "责任人电话",
                 "responsible_email": "责任人邮箱", "liaison_name": "联络员姓名", "liaison_post": "联络员职务",
                 "liaison_phone": "联络员电话", "liaison_email": "联络员邮箱", "period": "总结类型",
                 "progress": "工作开展情况（至少 10 字）", "results": "主要成效", "problems": "存在问题",
                 "next_steps": "下步打算"}
"""The 报送 forms' inputs in Chinese (the API's fields; a contact's are `responsible_name` for `responsible.name`)."""
