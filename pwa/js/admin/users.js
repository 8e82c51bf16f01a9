// Users: the list (search, role), a new user, and one user's editor: display name, role, team,
// disable / enable (their sessions end), a new password (the server's password policy applies).
import { html, render } from '../html.js';
import { addStrings, localName, t } from '../i18n.js';
import { api, busy, debounce, field, formValues, icon, loadInto, showError, showNote, table } from './common.js';

addStrings({
  en: {
    au_username: 'Username', au_display: 'Display name', au_role: 'Role', au_team: 'Team', au_state: 'Status',
    au_active: 'Active', au_disabled: 'Disabled', au_new: 'New user', au_password: 'Password', au_create: 'Create user',
    au_created: 'User {name} created.', au_search: 'Search users', au_anyRole: 'All roles', au_noTeam: 'No team',
    au_editing: 'Edit {name}', au_disable: 'Disable sign-in', au_enable: 'Enable sign-in',
    au_disabledNote: '{name} can no longer sign in; their sessions have ended.', au_enabledNote: '{name} can sign in again.',
    au_newPassword: 'New password', au_setPassword: 'Set password', au_passwordSet: 'Password changed; {n} sessions ended.', au_passwordSet_one: 'Password changed; 1 session ended.',
    au_passwordHint: 'At least 10 characters; not a common password; not containing the username.',
    au_none: 'No users match.', au_count: '{n} users', au_teamHint: 'A rep or a supervisor needs a team.',
    role_rep: 'Rep', role_supervisor: 'Supervisor', role_finance: 'Finance', role_admin: 'Administrator',
    err_weak_password_too_short: 'The password is too short: at least 10 characters.',
    err_weak_password_blank: 'The password cannot be only spaces.',
    err_weak_password_repetitive: 'The password repeats too few characters: use at least 4 different ones.',
    err_weak_password_like_username: 'The password cannot contain the username.',
    err_weak_password_common: 'This password is too common; choose another.',
    err_username_taken: 'That username is taken.', err_confusable_username: 'That username looks like an existing one.',
    err_invalid_username: 'A username is 2–64 letters or digits (also . - _), starting and ending with a letter or digit.',
    err_team_required: 'Reps and supervisors belong to a team: choose one.', err_unknown_team: 'That team no longer exists.',
    err_own_account: 'You cannot disable your own account or change your own role.',
    err_rep_has_stores: 'This rep still has {n} stores: give them to other reps first.', err_rep_has_stores_one: 'This rep still has 1 store: give it to another rep first.',
  },
  zh: {
    au_username: '用户名', au_display: '显示名称', au_role: '角色', au_team: '团队', au_state: '状态',
    au_active: '启用', au_disabled: '已停用', au_new: '新建用户', au_password: '密码', au_create: '创建用户',
    au_created: '已创建用户 {name}。', au_search: '搜索用户', au_anyRole: '全部角色', au_noTeam: '无团队',
    au_editing: '编辑 {name}', au_disable: '停用登录', au_enable: '恢复登录',
    au_disabledNote: '{name} 已不能登录，其登录会话已结束。', au_enabledNote: '{name} 已可重新登录。',
    au_newPassword: '新密码', au_setPassword: '设置密码', au_passwordSet: '密码已修改，已结束 {n} 个登录会话。',
    au_passwordHint: '至少 10 个字符；不能是常见密码；不能包含用户名。',
    au_none: '没有匹配的用户。', au_count: '共 {n} 个用户', au_teamHint: '业务员和主管必须属于一个团队。',
    role_rep: '业务员', role_supervisor: '主管', role_finance: '财务', role_admin: '管理员',
    err_weak_password_too_short: '密码太短：至少 10 个字符。',
    err_weak_password_blank: '密码不能只有空格。',
    err_weak_password_repetitive: '密码重复字符太多：至少使用 4 个不同字符。',
    err_weak_password_like_username: '密码不能包含用户名。',
    err_weak_password_common: '这个密码太常见，请换一个。',
    err_username_taken: '该用户名已被使用。', err_confusable_username: '该用户名与已有用户名过于相似。',
    err_invalid_username: '用户名为 2–64 个字母或数字（可含 . - _），首尾须为字母或数字。',
    err_team_required: '业务员和主管必须属于一个团队，请选择。', err_unknown_team: '该团队已不存在。',
    err_own_account: '不能停用自己的账号或修改自己的角色。',
    err_rep_has_stores: '该业务员还有 {n} 家门店，请先改派给其他业务员。',
  },
});

export const ROLES = ['rep', 'supervisor', 'finance', 'admin'];
const NEEDS_TEAM = ['rep', 'supervisor'];

// Teams as select options, "Region · Team", from GET /api/admin/teams.
export function teamOptions(regions) {
  return regions.flatMap((r) => r.teams.map((tm) => [tm.id, `${localName(r)} · ${localName(tm)}`]));
}

class AdminUsers extends HTMLElement {
  connectedCallback() {
    this.q = ''; this.role = ''; this.open = null; this.creating = false;
    render(this, html`
      <div class="adm-toolbar">
        ${field(t('au_search'), 'q', { type: 'search', attrs: html`data-q autocomplete="off"` })}
        ${field(t('au_role'), 'role', { type: 'select', options: [['', t('au_anyRole')], ...ROLES.map((r) => [r, t(`role_${r}`)])], attrs: html`data-role-filter` })}
        <button type="button" class="adm-btn main" data-new-user>${icon('plus')}${t('au_new')}</button>
      </div>
      <div data-create></div><p class="adm-status" role="status" hidden data-note></p><div data-editor></div>
      <p class="adm-muted" data-count></p><div data-list></div>`);
    this.querySelector('[data-q]').addEventListener('input', debounce((e) => { this.q = e.target.value; this.load(); }));
    this.querySelector('[data-role-filter]').addEventListener('change', (e) => { this.role = e.target.value; this.load(); });
    this.querySelector('[data-new-user]').addEventListener('click', () => this.drawCreate(!this.creating));
    api('/api/admin/teams').then((d) => { this.regions = d.regions; }).catch(() => { this.regions = []; })
      .finally(() => this.load());
  }

  teamName(id) {
    for (const r of this.regions || []) for (const tm of r.teams) if (tm.id === id) return localName(tm);
    return t('au_noTeam');
  }

  load() {
    const params = new URLSearchParams({ limit: '1000' });
    if (this.q.trim()) params.set('q', this.q.trim());
    if (this.role) params.set('role', this.role);
    return loadInto(this.querySelector('[data-list]'), () => api(`/api/admin/users?${params}`), (data) => {
      this.users = data.items;
      this.querySelector('[data-count]').textContent = t('au_count', { n: data.total });
      this.drawList();
    });
  }

  drawList() {
    const list = this.querySelector('[data-list]');
    render(list, table([
      [t('au_username'), (u) => html`<b>${u.username}</b>`],
      [t('au_display'), (u) => u.display_name],
      [t('au_role'), (u) => t(`role_${u.role}`)],
      [t('au_team'), (u) => (u.team_id ? this.teamName(u.team_id) : t('au_noTeam'))],
      [t('au_state'), (u) => html`<span class="chip ${u.active ? 'on' : 'off'}" data-active="${String(u.active)}">${u.active ? t('au_active') : t('au_disabled')}</span>`],
      [t('adm_actions'), (u) => html`<button type="button" class="adm-btn" data-edit-user="${u.id}" aria-label="${t('au_editing', { name: u.username })}">${icon('edit')}${t('adm_edit')}</button>`],
    ], this.users, { empty: t('au_none') }));
    for (const b of list.querySelectorAll('[data-edit-user]')) b.onclick = () => this.drawEditor(b.dataset.editUser);
    if (this.open) list.querySelector(`tr[data-row="${CSS.escape(this.open)}"]`)?.setAttribute('data-selected', '');
  }

  drawCreate(show) {
    this.creating = show;
    const box = this.querySelector('[data-create]');
    if (!show) { box.replaceChildren(); return; }
    render(box, html`<form class="card adm-editor" data-create-form novalidate>
      <h3>${t('au_new')}<button type="button" class="adm-btn" data-close aria-label="${t('adm_close')}">${icon('close')}</button></h3>
      <div class="adm-form">
        ${field(t('au_username'), 'username', { required: true, attrs: html`autocomplete="off" autocapitalize="none" maxlength="64"` })}
        ${field(t('au_display'), 'display_name', { attrs: html`maxlength="100"` })}
        ${field(t('au_role'), 'role', { type: 'select', value: 'rep', options: ROLES.map((r) => [r, t(`role_${r}`)]) })}
        ${field(t('au_team'), 'team_id', { type: 'select', options: [['', t('au_noTeam')], ...teamOptions(this.regions || [])], hint: t('au_teamHint') })}
        ${field(t('au_password'), 'password', { type: 'password', required: true, hint: t('au_passwordHint'), attrs: html`autocomplete="new-password"` })}
      </div>
      <div class="adm-buttons"><button type="submit" class="adm-btn main">${t('au_create')}</button></div>
      <p class="adm-status" role="alert" hidden data-status></p></form>`);
    const form = box.querySelector('form');
    form.querySelector('[data-close]').onclick = () => this.drawCreate(false);
    form.username.focus();
    form.onsubmit = async (e) => {
      e.preventDefault();
      const v = formValues(form), status = form.querySelector('[data-status]');
      if (!v.username.trim()) { showError(status, t('adm_required', { field: t('au_username') })); return; }
      if (!v.password) { showError(status, t('adm_required', { field: t('au_password') })); return; }
      form.team_id.removeAttribute('aria-invalid');
      if (NEEDS_TEAM.includes(v.role) && !v.team_id) {
        form.team_id.setAttribute('aria-invalid', 'true');
        showError(status, t('err_team_required')); form.team_id.focus(); return;
      }
      const body = { username: v.username.trim(), password: v.password, role: v.role, display_name: v.display_name.trim(), team_id: v.team_id || null };
      const user = await busy(form.querySelector('[type=submit]'), () => api('/api/admin/users', { method: 'POST', body }), { status });
      if (!user) return;
      this.drawCreate(false);
      showNote(this.querySelector('[data-note]'), t('au_created', { name: user.username }));
      this.q = user.username; this.querySelector('[data-q]').value = user.username;
      await this.load();
    };
  }

  drawEditor(id) {
    const u = this.users.find((x) => x.id === id);
    const box = this.querySelector('[data-editor]');
    this.open = u ? id : null;
    this.drawList();
    if (!u) { box.replaceChildren(); return; }
    render(box, html`<section class="card adm-editor" data-user-editor="${u.id}" aria-label="${t('au_editing', { name: u.username })}">
      <h3><span>${t('au_editing', { name: u.username })} <span class="chip ${u.active ? 'on' : 'off'}">${u.active ? t('au_active') : t('au_disabled')}</span></span>
        <button type="button" class="adm-btn" data-close aria-label="${t('adm_close')}">${icon('close')}</button></h3>
      <form class="adm-form" data-edit-form novalidate>
        ${field(t('au_display'), 'display_name', { value: u.display_name, attrs: html`maxlength="100"` })}
        ${field(t('au_role'), 'role', { type: 'select', value: u.role, options: ROLES.map((r) => [r, t(`role_${r}`)]) })}
        ${field(t('au_team'), 'team_id', { type: 'select', value: u.team_id || '', options: [['', t('au_noTeam')], ...teamOptions(this.regions || [])] })}
        <div class="adm-buttons adm-wide"><button type="submit" class="adm-btn main" data-save-user>${t('adm_save')}</button>
          <button type="button" class="adm-btn ${u.active ? 'warn' : ''}" data-toggle-active>${u.active ? t('au_disable') : t('au_enable')}</button></div>
      </form>
      <form class="adm-form" data-password-form novalidate>
        ${field(t('au_newPassword'), 'password', { type: 'password', hint: t('au_passwordHint'), attrs: html`autocomplete="new-password"` })}
        <div class="adm-buttons adm-wide"><button type="submit" class="adm-btn" data-set-password>${t('au_setPassword')}</button></div>
      </form>
      <p class="adm-status" role="alert" hidden data-status></p></section>`);
    const status = box.querySelector('[data-status]');
    box.querySelector('[data-close]').onclick = () => this.drawEditor(null);
    const save = async (button, body, note) => {
      const saved = await busy(button, () => api(`/api/admin/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', body }), { status });
      if (!saved) return;
      Object.assign(u, saved);
      this.drawEditor(u.id);
      if (note) showNote(this.querySelector('[data-editor] [data-status]'), note);
    };
    const form = box.querySelector('[data-edit-form]');
    form.onsubmit = (e) => {
      e.preventDefault();
      const v = formValues(form), body = {};
      if (v.display_name.trim() !== u.display_name) body.display_name = v.display_name.trim();
      if (v.role !== u.role) body.role = v.role;
      if ((v.team_id || null) !== (u.team_id || null)) body.team_id = v.team_id || null;
      save(form.querySelector('[data-save-user]'), body, t('adm_saved'));
    };
    box.querySelector('[data-toggle-active]').onclick = (e) => save(e.currentTarget, { active: !u.active },
      t(u.active ? 'au_disabledNote' : 'au_enabledNote', { name: u.username }));
    const pw = box.querySelector('[data-password-form]');
    pw.onsubmit = async (e) => {
      e.preventDefault();
      if (!pw.password.value) { showError(status, t('adm_required', { field: t('au_newPassword') })); return; }
      const done = await busy(pw.querySelector('[data-set-password]'), () => api(`/api/admin/users/${encodeURIComponent(u.id)}/password`,
        { method: 'POST', body: { password: pw.password.value } }), { status });
      if (done) { pw.reset(); showNote(status, t('au_passwordSet', { n: done.sessions_ended })); }
    };
    box.scrollIntoView({ block: 'nearest' });
  }
}
customElements.define('fv-admin-users', AdminUsers);
