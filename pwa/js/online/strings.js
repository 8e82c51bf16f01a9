// Text and style used only by the supervisor's online pages, added when they load (the rep's
// offline shell does not carry them).
import { addStrings } from '../i18n.js';

addStrings({
  en: {
    loading: 'Loading…', financeTitle: 'Claims review', fin_review: 'To review', fin_approved: 'Approved', fin_rejected: 'Rejected',
    fin_reading: 'Being read', left: 'left', confidence: 'OCR confidence', poolBalance: '{left} left in the pool',
    tapToZoom: 'Tap to zoom', ocr_merchant: 'Merchant', ocr_date: 'Date', ocr_total: 'Total', suggestedStore: 'Matches store',
    pool: 'Budget pool', approveAmount: 'Amount to approve (¥)', approve: 'Approve', rejectReason: 'Reason to reject',
    comment: 'Comment for the rep', reject: 'Reject', rejectNeedsReason: 'Choose a reason to reject.', noFlags: 'No flags.',
    flag_outside_geofence: 'Outside the geofence', flag_location_missing: 'No location',
    flag_store_unmapped: 'Store has no coordinates', flag_poor_accuracy: 'Poor GPS accuracy', flag_stale_fix: 'Old GPS fix',
    flag_exception_taken: 'Exception taken', fl_any: 'Any flag', fl_outside_geofence: 'Outside geofence',
    fl_location_missing: 'No location', fl_watermark_mismatch: 'Watermark mismatch', fl_recycled_photo: 'Recycled photo',
    fl_blurred_dark: 'Blurred / dark', fl_exception: 'Exception', st_all: 'All', st_pending: 'Waiting', st_approved: 'Approved',
    st_rejected: 'Rejected', allReps: 'All reps', storeFilter: 'Store code or name', noItems: 'Nothing to review here.',
    previousPhoto: 'Previous check-in', noPrevious: 'No earlier check-in photo of this store.',
    noPhoto: 'No check-in photo (exception or not yet uploaded).', approveAll: 'Approve all {n} shown', approvedN: '{n} approved',
    keys: 'Keys: j/k next/previous · a approve · r reject · z zoom', capture: 'Capture', watermarkRead: 'Watermark read',
    steps: 'Steps', distanceFrom: '{d} from the store (geofence {g})', todo: 'Confirmations', confirmedN: '{n} of {of} confirmed',
    notConfirmed: 'Not confirmed', changedAfter: 'Changed after confirming', onTime: 'On-time rate of key actions',
    healthy: 'healthy ≥ {p}',
    definition: 'On time: a step done during the visit (not excepted); a note within {note} h of arriving; a claim within {claim} h of the visit.',
    heatmap: 'Key actions on time, rep × day', coverage: 'Route coverage: planned stores visited', exportCsv: 'Export CSV',
    ex_visits: 'Visits', ex_reviews: 'Reviews', ex_confirmations: 'Confirmations', from: 'From', to: 'To', noData: 'no data',
    waitingReview: '{n} waiting for review', planned: 'Planned', covered: 'Visited',
    fin_byHand: 'Nothing was read from the photos. Type the merchant, date and total from the receipt to approve, or reject.',
    // [supervisor] keys
    supStores: 'Stores', moreItems: 'Show more ({n} left)', approveAllAsk: 'Approve all {n} items shown?', approveAllOk: 'Approve {n}',
    undo: 'Undo', undone: '{n} waiting for review again', reopen: 'Reopen', reopening: 'Reopening…',
    reopened: 'Reopened: waiting for review again.', stepNotDone: 'Not done', flag_over_allocation: 'Materials beyond the allocation',
    rejectNeedsComment: 'Write a comment saying why.', err_visit_in_progress: 'This visit is still in progress: decide it after check-out.',
    err_already_decided: 'This visit was decided already.', err_not_your_decision: 'Only the supervisor who decided can reopen it.',
    err_decided_earlier: 'Decided on an earlier day: it can no longer be reopened.', err_not_decided: 'This visit is waiting for review already.',
    err_decision_changed: 'The decision changed meanwhile. Reload and try again.', heatLegend: 'Colours',
    tapCell: 'Tap a square for its figures.', cellInfo: '{rep}, {day}: {rate} on time ({on} of {n}) · visited {covered} of {planned}',
    cellNone: '{rep}, {day}: no data', openReview: 'Open in review', decidedBy: 'Decided {at}',
    // [finance] keys
  },
  zh: {
    loading: '正在加载…', financeTitle: '核销审核', fin_review: '待审核', fin_approved: '已通过', fin_rejected: '已驳回', fin_reading: '识别中', left: '剩余',
    confidence: '识别置信度', poolBalance: '费用池剩余 {left}', tapToZoom: '点击放大', ocr_merchant: '商户', ocr_date: '日期', ocr_total: '合计',
    suggestedStore: '匹配门店', pool: '费用池', approveAmount: '核准金额（元）', approve: '通过', rejectReason: '驳回原因', comment: '给业务员的说明',
    reject: '驳回', rejectNeedsReason: '请选择驳回原因。', noFlags: '无异常。',
    flag_outside_geofence: '不在电子围栏内', flag_location_missing: '无定位', flag_store_unmapped: '门店无坐标', flag_poor_accuracy: '定位精度差',
    flag_stale_fix: '定位过旧', flag_exception_taken: '有特批', fl_any: '全部异常', fl_outside_geofence: '围栏外', fl_location_missing: '无定位',
    fl_watermark_mismatch: '水印不符', fl_recycled_photo: '重复照片', fl_blurred_dark: '模糊/过暗', fl_exception: '特批', st_all: '全部',
    st_pending: '待审核', st_approved: '已通过', st_rejected: '已驳回', allReps: '全部业务员', storeFilter: '门店编码或名称', noItems: '这里没有待审核的内容。',
    previousPhoto: '上次打卡', noPrevious: '该门店没有更早的打卡照片。', noPhoto: '没有打卡照片（特批或尚未上传）。', approveAll: '全部通过（{n} 条）',
    approvedN: '已通过 {n} 条', keys: '快捷键：j/k 下一条/上一条 · a 通过 · r 驳回 · z 放大', capture: '拍摄信息', watermarkRead: '水印识别', steps: '步骤',
    distanceFrom: '距门店 {d}（围栏 {g}）', todo: '每日确认', confirmedN: '已确认 {n} / {of}', notConfirmed: '未确认', changedAfter: '确认后修改',
    onTime: '关键动作及时率', healthy: '健康线 ≥ {p}', definition: '及时：步骤在拜访中完成（特批不算）；备注在到店后 {note} 小时内；核销在拜访后 {claim} 小时内。',
    heatmap: '关键动作及时率（业务员 × 日期）', coverage: '路线覆盖：计划门店拜访情况', exportCsv: '导出 CSV', ex_visits: '拜访', ex_reviews: '审核',
    ex_confirmations: '每日确认', from: '从', to: '到', noData: '无数据', waitingReview: '{n} 条待审核', planned: '计划', covered: '已拜访',
    fin_byHand: '照片未能识别出内容。请按小票填写商户、日期和合计后通过，或驳回。',
    // [supervisor] keys
    supStores: '门店', moreItems: '显示更多（还有 {n} 条）', approveAllAsk: '确定通过当前显示的全部 {n} 条吗？', approveAllOk: '通过 {n} 条',
    undo: '撤销', undone: '{n} 条已恢复为待审核', reopen: '撤回审核', reopening: '正在撤回…',
    reopened: '已撤回：重新等待审核。', stepNotDone: '未完成', flag_over_allocation: '物料超出配额',
    rejectNeedsComment: '请填写说明原因。', err_visit_in_progress: '该拜访仍在进行中，签退后再审核。',
    err_already_decided: '该拜访已审核过。', err_not_your_decision: '只有做出审核的主管才能撤回。',
    err_decided_earlier: '这是之前某天的审核，已不能撤回。', err_not_decided: '该拜访已在等待审核。',
    err_decision_changed: '审核结果已被更改，请刷新后重试。', heatLegend: '颜色说明',
    tapCell: '点击方块查看数据。', cellInfo: '{rep}，{day}：及时率 {rate}（{on} / {n}）· 拜访 {covered} / {planned}',
    cellNone: '{rep}，{day}：无数据', openReview: '查看审核', decidedBy: '审核于 {at}',
    // [finance] keys
  },
});

if (!document.querySelector('link[data-online-css]')) {
  const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/js/online/online.css' });
  link.dataset.onlineCss = '';
  document.head.append(link);
}
