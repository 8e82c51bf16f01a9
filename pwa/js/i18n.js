// UI text in zh-CN and English. The language follows the browser until the user picks one.
const STRINGS = {
  en: {
    app: 'Fieldvisit',
    signOut: 'Sign out', online: 'Online', offline: 'Offline', stores: 'My stores', search: 'Search by name, code or address',
    noStores: 'No stores match.', noStoresAssigned: 'No stores are assigned to you yet.', showMore: 'Show more ({n} left)',
    updated: 'Updated {t}', never: 'not yet', count: '{n} stores', back: 'Back',
    address: 'Address', channel: 'Channel', geofence: 'Geofence', coords: 'Coordinates', code: 'Code', distance: 'Distance',
    navigate: 'Navigate', metres: '{n} m', km: '{n} km', notFound: 'This store is not on this phone.',
    photoOnServer: 'On the server (offline)', network: 'No connection to the server. Try again when online.',
    update: 'A new version is ready.', reload: 'Update',
    ch_supermarket: 'Supermarket', ch_convenience: 'Convenience', ch_restaurant: 'Restaurant',
    ch_tobacco_liquor: 'Tobacco & liquor', ch_other: 'Other',
    sync_pushing: 'Sending changes…', sync_uploading: 'Uploading photos…', sync_pulling: 'Receiving updates…',
    waiting: '{n} waiting to sync', synced: 'All synced',
    storageLow: 'Storage on this phone is nearly full. Sync and free space soon.',
    staleData: 'Some changes have waited over a day to sync. Connect to the network.',
    opsWaiting: 'Changes waiting', blobsOnPhone: 'Photos/recordings only on this phone', lastSync: 'Last sync',
    refused: 'Refused by the server', syncNow: 'Sync now', notes: 'Notes', notePlaceholder: 'Write a note…',
    rj_store_moved: 'Store moved to another rep: not applied.',
    rj_bad_time: 'Phone clock wrong: fix it, then redo.',
    rj_other: 'The server did not accept this change.', syncError: 'Sync stopped on an error; it will try again.',
    op_visit_arrive: 'Arrival', op_visit_checkout: 'Check-out', op_step_complete: 'Step', op_step_except: 'Step exception',
    op_note_create: 'Note', op_note_edit: 'Note edit', op_claim_submit: 'Claim', op_day_confirm: 'Day confirmation',
    op_recording_create: 'Recording', op_other: 'Change',
    dictate: 'Dictate', stopDictation: 'Stop', language: 'Language', listening: 'Listening…', recordingOffline: 'Recording (offline)…',
    micDenied: 'The microphone is not available.', nothingRecorded: 'Nothing was recorded.', willTranscribe: 'Will be transcribed after sync',
    transcribing: 'Transcribing…', transcribed: 'Transcribed', transcribeFailed: 'Could not transcribe',
    addNote: 'Add note', noNotes: 'No notes yet.', notSynced: 'Not synced yet', save: 'Save', cancel: 'Cancel',
    edit: 'Edit', conflict: 'Edited in two places.', conflictHelp: 'Both versions are kept; choose one.',
    kept: 'On the server', other: 'The other edit', useThis: 'Use this',
    route: "Today's route", allStores: 'All my stores', tab_route: 'Route', tab_stores: 'My stores', tab_today: 'My day', st_done: 'Done', st_in_progress: 'In progress',
    st_missed: 'Missed', st_planned: 'To visit', nothingPlanned: 'No stores are planned for today.', moreAlerts: '{n} more',
    routeCount: '{done} of {n} done',
    visit: 'Visit', startVisit: 'Start / continue visit', arrive: 'I have arrived', arriveHelp: 'Record your arrival: the app takes a GPS fix.',
    visitDoneToday: 'Visited today. Start another visit?', noLocation: 'No location: the visit goes on, flagged.',
    outsideFence: 'Outside the store geofence ({d} away): the visit goes on, flagged.', insideFence: 'Inside the store geofence ({d}).',
    checkout: 'Check out', shutter: 'Take', takePhoto: 'Take photo', yes: 'Yes', no: 'No', add: 'Add',
    typeCode: 'Type or scan a barcode', notInCatalogue: 'not in the catalogue', completeStep: 'Complete step',
    exception: 'Exception', reason: 'Reason', exceptionNote: 'Note', submitException: 'Skip with exception',
    exceptionNeedsReason: 'An exception needs a reason and a note.', ok: 'OK', noCamera: 'The camera is not available.',
    tooDark: 'The photo is too dark.', retake: 'Retake', blurred: 'The photo looks blurred.',
    step_current: 'Now', step_locked: 'Locked', step_done: 'Done', step_excepted: 'Skipped (exception)',
    reason_store_closed: 'Store closed', reason_owner_refused: 'Owner refused', reason_strategic_customer: 'Strategic customer',
    reason_no_stock_delivered: 'No stock delivered', reason_safety: 'Safety', reason_other: 'Other',
    remaining: '{n} left this month', neverSynced: 'Not synced yet', findByName: 'Find by name', productName: 'Product name', scan: 'Scan',
    claim: 'Promotion claim', promotion: 'Promotion', promotionAuto: 'Match automatically', materialPhotos: 'Photos of the posted material',
    receiptPhoto: 'Receipt / invoice photo', claimAmount: 'Amount claimed', claimAmountHint: 'Leave empty to use the total read from the receipt.',
    submitClaim: 'Submit claim', claimsHere: 'Claims at this store', readTotal: 'Read from receipt:', noClaims: 'No claims yet.',
    notAPhoto: 'This file is not a photo the phone can read. Take a photo of the receipt.', badAmount: 'Write the amount as a number, e.g. 128.50.',
    useAnyway: 'Use it', claimApproved: 'Approved {amount}', claimRejected: 'Rejected: {reason}', claimReview: 'With finance',
    claimReading: 'Reading the receipt…',
    flag_receipt_refused: 'Receipt refused (not a whole photo)', flag_receipt_missing: 'Receipt photo never arrived',
    flag_receipt_unreadable: 'Receipt photo unreadable', flag_receipt_nothing_found: 'Nothing read on the receipt',
    flag_photo_refused: 'A material photo was refused', flag_photo_missing: 'A material photo never arrived',
    flag_photo_unreadable: 'A material photo is unreadable', flag_watermark_missing: 'No watermark on the photo',
    flag_watermark_store_mismatch: 'Watermark names another store', flag_watermark_time_mismatch: 'Watermark time is another day',
    flag_blurred: 'Blurred photo', flag_dark: 'Dark photo', flag_recycled_photo: 'Photo used before', flag_sign_mismatch: 'Sign shows another store',
    flag_amount_differs: 'Amount differs from the receipt total', flag_currency_mismatch: 'Receipt in another currency', flag_merchant_other_store: 'Receipt is from another store',
    flag_no_pool: 'No budget pool matches', flag_reading_failed: 'Not read: finance checks by hand',
    rr_not_eligible: 'Not eligible', rr_outside_period: 'Outside the promotion period', rr_duplicate: 'Duplicate claim',
    rr_recycled_photo: 'Photo used before', rr_photo_mismatch: 'Photo does not show the material', rr_receipt_unreadable: 'Receipt unreadable',
    rr_amount_wrong: 'Amount wrong', rr_other: 'Other',
    today: 'My day', daySummary: 'Today, {day}', visitedOf: '{n} of {of} planned stores visited', missedStores: 'Not visited',
    sum_visited: 'Visited', sum_missed: 'Missed', sum_unplanned: 'Off route', sum_steps_done: 'Steps done', sum_exceptions: 'Exceptions',
    sum_photos: 'Photos', sum_notes: 'Notes', sum_claims: 'Claims', stillOnPhone: '{what} still only on this phone — they sync later.',
    confirmToday: 'Confirm today', confirmedAt: 'Confirmed at {time}', decisions: "Supervisor's decisions", noDecisions: 'No decisions yet.',
    rv_approved: 'Approved', rv_rejected: 'Rejected', rv_pending: 'Waiting',
    confirmedChange: 'You confirmed {day} already. Why does it change?',
    vr_not_at_store: 'Not at the store', vr_photo_unclear: 'Photo unclear', vr_wrong_store: 'Wrong store', vr_recycled_photo: 'Photo used before',
    vr_watermark_wrong: 'Watermark wrong', vr_steps_incomplete: 'Steps skipped without cause', vr_other: 'Other',
    team: 'Team', reviewQueue: 'Review',
    // [rep-visit] keys
    findGo: 'Find', noMatch: 'No product matches that name.', remove: 'Remove',
    overAllocation: 'Only {n} left this month: place no more.', opt_high: 'High', opt_medium: 'Medium', opt_low: 'Low',
    visitFinished: 'Visit finished', timeAtStore: 'Time at store', minutes: '{n} min', score: 'Score', visitAgain: 'Start another visit',
    nOps: '{n} changes', nOps_one: '1 change', nBlobs: '{n} photos', nBlobs_one: '1 photo', storageWarn: 'Warning',
    noModel: 'No speech model for this language on the server. Ask your administrator.', badAudio: 'The recording could not be read.',
    // [rep-day] keys
    photoReceipt: 'Photograph the receipt', fromGallery: 'From the gallery', reasonNeeded: 'Write a reason first.',
    confirmMissed: '{n} planned stores not visited — confirm anyway?', confirmAnyway: 'Confirm anyway',
    wasN: 'was {n}', changedAfterConfirm: 'Changed after confirming', sum_planned: 'Planned', visitedSince: 'Not visited when confirming',
  },
  zh: {
    app: 'Fieldvisit 巡店',
    signOut: '退出', online: '在线', offline: '离线', stores: '我的门店', search: '按名称、编码或地址搜索',
    noStores: '没有匹配的门店。', noStoresAssigned: '还没有分配给您的门店。', showMore: '显示更多（还有 {n} 家）',
    updated: '更新于 {t}', never: '尚未更新', count: '{n} 家门店', back: '返回',
    address: '地址', channel: '渠道', geofence: '电子围栏', coords: '坐标', code: '编码', distance: '距离',
    navigate: '导航', metres: '{n} 米', km: '{n} 公里', notFound: '此手机上没有该门店。',
    photoOnServer: '照片在服务器上（离线）', network: '无法连接服务器，请联网后重试。',
    update: '新版本已就绪。', reload: '更新',
    ch_supermarket: '超市', ch_convenience: '便利店', ch_restaurant: '餐饮', ch_tobacco_liquor: '烟酒店', ch_other: '其他',
    sync_pushing: '正在上传更改…', sync_uploading: '正在上传照片…', sync_pulling: '正在接收更新…',
    waiting: '{n} 待同步', synced: '已全部同步',
    storageLow: '手机存储空间快满了，请尽快同步并清理空间。', staleData: '有更改已超过一天未同步，请连接网络。',
    opsWaiting: '待同步的更改', blobsOnPhone: '仅在本机的照片/录音', lastSync: '上次同步', refused: '被服务器拒绝',
    rj_store_moved: '门店已改派他人，修改未生效。',
    rj_bad_time: '手机时间不对，请校正后重做。',
    rj_other: '服务器未接受这项更改。', syncError: '同步出错已暂停，稍后会自动重试。',
    op_visit_arrive: '到店', op_visit_checkout: '离店', op_step_complete: '步骤', op_step_except: '步骤特批',
    op_note_create: '备注', op_note_edit: '修改备注', op_claim_submit: '核销申请', op_day_confirm: '每日确认',
    op_recording_create: '录音', op_other: '更改',
    dictate: '语音输入', stopDictation: '停止', language: '语言', listening: '正在听…', recordingOffline: '正在录音（离线）…',
    micDenied: '无法使用麦克风。', nothingRecorded: '没有录到声音。', willTranscribe: '同步后转写',
    transcribing: '正在转写…', transcribed: '已转写', transcribeFailed: '转写失败',
    syncNow: '立即同步', notes: '备注', notePlaceholder: '写备注…', addNote: '添加备注', noNotes: '还没有备注。',
    notSynced: '尚未同步', save: '保存', cancel: '取消', edit: '编辑', conflict: '此备注在两处被修改。',
    conflictHelp: '两个版本都已保留，请选择一个。', kept: '服务器上的版本', other: '另一处的修改', useThis: '用这个',
    route: '今日路线', allStores: '我的全部门店', tab_route: '今日路线', tab_stores: '我的门店', tab_today: '我的一天', st_done: '已完成', st_in_progress: '进行中', st_missed: '未拜访',
    st_planned: '待拜访', nothingPlanned: '今天没有计划拜访的门店。', moreAlerts: '还有 {n} 条', routeCount: '已完成 {done}/{n}',
    visit: '拜访', startVisit: '开始/继续拜访', arrive: '我已到店', arriveHelp: '记录到店：将获取GPS定位。',
    visitDoneToday: '今天已拜访。要再拜访一次吗？', noLocation: '没有定位：拜访可继续，但会被标记。',
    outsideFence: '不在门店电子围栏内（距离 {d}）：拜访可继续，但会被标记。', insideFence: '在门店电子围栏内（{d}）。',
    checkout: '离店签退', shutter: '拍照', takePhoto: '拍照', yes: '是', no: '否', add: '添加', typeCode: '输入或扫描条码',
    notInCatalogue: '不在目录中', completeStep: '完成此步', exception: '特批', reason: '原因', exceptionNote: '说明',
    submitException: '特批跳过', exceptionNeedsReason: '特批需要原因和说明。', ok: '知道了', noCamera: '无法使用相机。',
    tooDark: '照片太暗。', retake: '重拍', blurred: '照片看起来模糊。', step_current: '当前', step_locked: '未解锁',
    step_done: '已完成', step_excepted: '特批跳过', reason_store_closed: '门店关门', reason_owner_refused: '老板拒绝',
    reason_strategic_customer: '战略客户', reason_no_stock_delivered: '未到货', reason_safety: '安全原因', reason_other: '其他',
    remaining: '本月剩余 {n}', neverSynced: '尚未同步', findByName: '按名称查找', productName: '产品名称', scan: '扫码',
    claim: '促销核销', promotion: '促销活动', promotionAuto: '自动匹配', materialPhotos: '物料张贴照片',
    receiptPhoto: '小票/发票照片', claimAmount: '申请金额', claimAmountHint: '留空则使用小票识别出的合计金额。',
    submitClaim: '提交核销', claimsHere: '本店核销记录', readTotal: '小票识别：', noClaims: '还没有核销记录。',
    notAPhoto: '这个文件不是手机能读取的照片，请拍摄小票。', badAmount: '请填写数字金额，例如 128.50。',
    useAnyway: '仍然使用', claimApproved: '已通过 {amount}', claimRejected: '已驳回：{reason}', claimReview: '财务审核中',
    claimReading: '正在识别小票…',
    flag_receipt_refused: '小票被拒（照片不完整）', flag_receipt_missing: '小票照片未上传',
    flag_receipt_unreadable: '小票照片无法读取', flag_receipt_nothing_found: '小票上未识别出内容',
    flag_photo_refused: '有物料照片被拒', flag_photo_missing: '有物料照片未上传',
    flag_photo_unreadable: '有物料照片无法读取', flag_watermark_missing: '照片没有水印',
    flag_watermark_store_mismatch: '水印门店不符', flag_watermark_time_mismatch: '水印时间不是当天',
    flag_blurred: '照片模糊', flag_dark: '照片过暗', flag_recycled_photo: '照片曾被使用', flag_sign_mismatch: '门头显示其他门店',
    flag_amount_differs: '金额与小票合计不符', flag_currency_mismatch: '小票币种不符', flag_merchant_other_store: '小票来自其他门店',
    flag_no_pool: '没有匹配的费用池', flag_reading_failed: '未能自动识别，财务人工核对',
    rr_not_eligible: '不符合活动条件', rr_outside_period: '不在活动期内', rr_duplicate: '重复申请',
    rr_recycled_photo: '照片曾被使用', rr_photo_mismatch: '照片与物料不符', rr_receipt_unreadable: '小票无法辨认',
    rr_amount_wrong: '金额有误', rr_other: '其他',
    today: '我的一天', daySummary: '今天 {day}', visitedOf: '计划门店已拜访 {n} / {of}', missedStores: '未拜访',
    sum_visited: '已拜访', sum_missed: '未拜访', sum_unplanned: '计划外', sum_steps_done: '完成步骤', sum_exceptions: '特批',
    sum_photos: '照片', sum_notes: '备注', sum_claims: '核销', stillOnPhone: '还有 {what} 只在手机上，联网后同步。',
    confirmToday: '确认今日工作', confirmedAt: '已于 {time} 确认', decisions: '主管审核结果', noDecisions: '暂无审核结果。',
    rv_approved: '已通过', rv_rejected: '已驳回', rv_pending: '待审核',
    confirmedChange: '{day} 已确认。请说明修改原因：',
    vr_not_at_store: '不在门店', vr_photo_unclear: '照片不清晰', vr_wrong_store: '门店不符', vr_recycled_photo: '重复使用旧照片',
    vr_watermark_wrong: '水印不符', vr_steps_incomplete: '无故跳过步骤', vr_other: '其他',
    team: '团队', reviewQueue: '审核',
    // [rep-visit] keys
    findGo: '查找', noMatch: '没有名称匹配的产品。', remove: '删除',
    overAllocation: '本月只剩 {n}，不能超过。', opt_high: '高', opt_medium: '中', opt_low: '低',
    visitFinished: '拜访已完成', timeAtStore: '在店时长', minutes: '{n} 分钟', score: '得分', visitAgain: '再拜访一次',
    nOps: '{n} 项更改', nBlobs: '{n} 张照片', storageWarn: '警告',
    noModel: '服务器上没有该语言的语音模型，请联系管理员。', badAudio: '录音无法识别。',
    // [rep-day] keys
    photoReceipt: '拍摄小票', fromGallery: '从相册选择', reasonNeeded: '请先填写原因。',
    confirmMissed: '还有 {n} 家计划门店未拜访，仍然确认吗？', confirmAnyway: '仍然确认',
    wasN: '确认时 {n}', changedAfterConfirm: '确认后有修改', sum_planned: '计划', visitedSince: '确认时未拜访',
  },
};
export const LANGS = [['zh', '中文'], ['en', 'English']];

function initial() {
  const saved = localStorage.getItem('fv.lang');
  if (saved && STRINGS[saved]) return saved;
  return (navigator.languages || [navigator.language || 'en']).some((l) => l.toLowerCase().startsWith('zh')) ? 'zh' : 'en';
}

let lang = initial();
document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';

export function getLang() { return lang; }

export function setLang(next) {
  if (!STRINGS[next] || next === lang) return;
  lang = next;
  localStorage.setItem('fv.lang', next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  window.dispatchEvent(new CustomEvent('fv:lang', { detail: next }));
}

// `key_one` is the singular where the language has one ("1 attempt left"), chosen by the count in
// params.n (or params.count).
export function t(key, params = {}) {
  const count = params.n ?? params.count;
  const one = typeof count === 'number' && new Intl.PluralRules(lang === 'zh' ? 'zh-CN' : 'en').select(count) === 'one';
  const pick = (strings) => (one && strings[`${key}_one`]) || strings[key];
  const text = pick(STRINGS[lang]) ?? pick(STRINGS.en) ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (params[k] ?? ''));
}

// "7 changes · 3 photos": changes and files are counted apart, never added up (0 of either left out).
export function countsText(ops, blobs) {
  return [ops && t('nOps', { n: ops }), blobs && t('nBlobs', { n: blobs })]
    .filter(Boolean).join(' · ');
}

// Items as a list in the UI's language: 甲、乙、丙 / a, b, c.
export const joinList = (items) => new Intl.ListFormat(lang === 'zh' ? 'zh-CN' : 'en', { type: 'conjunction', style: 'narrow' }).format(items.map(String));

// A catalogue entry's own name in the UI's language: `name_en` (or `<key>_en`) in English when it has one.
export function localName(o, key = 'name') { return (lang === 'en' && o?.[`${key}_en`]) || o?.[key] || ''; }

// More strings from a module loaded later (the online-only pages).
export function addStrings(more) { for (const [l, values] of Object.entries(more)) Object.assign(STRINGS[l], values); }

export function has(key) { return key in STRINGS[lang]; }

export function formatDistance(m) {
  return m < 1000 ? t('metres', { n: Math.round(m) }) : t('km', { n: (m / 1000).toFixed(m < 10000 ? 1 : 0) });
}

// Dates and times one way everywhere: "Nov 25, 2026, 8:43 AM" / "2026年11月25日 08:43".
const LOCALE = () => (lang === 'zh' ? 'zh-CN' : 'en');

export function formatTime(iso) {
  if (!iso) return t('never');
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return when.toLocaleString(LOCALE(), { dateStyle: 'medium', timeStyle: 'short' });
}

// A calendar day ("2026-11-25", or the day of a timestamp) as "Nov 25, 2026" / "2026年11月25日".
export function formatDay(day) {
  if (!day) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day));
  const when = m ? new Date(+m[1], +m[2] - 1, +m[3]) : new Date(day);
  if (Number.isNaN(when.getTime())) return String(day);
  return when.toLocaleDateString(LOCALE(), { dateStyle: 'medium' });
}
