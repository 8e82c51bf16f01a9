// Regions and teams: each region with its teams (supervisor, how many reps), a new region or team,
// renaming (Chinese and English names), and who leads a team. The list names each in the UI's
// language (the other one when it is missing); the editor shows both.
import { html, render } from '../html.js';
import { addStrings, joinList, localName, t } from '../i18n.js';
import { api, busy, field, formValues, icon, loadInto, showError, showNote, table } from './common.js';

addStrings({
  en: {
    at_region: 'Region', at_team: 'Team', at_name: 'Name (Chinese)', at_nameEn: 'Name (English)', at_code: 'Region code',
    at_lead: 'Supervisor', at_reps: 'Reps', at_noLead: 'No supervisor', at_newRegion: 'New region', at_newTeam: 'New team',
    at_createRegion: 'Create region', at_createTeam: 'Create team', at_rename: 'Rename', at_editTeam: 'Edit team {name}',
    at_editRegion: 'Rename region {name}', at_noTeams: 'No teams in this region yet.', at_noRegions: 'No regions yet.',
    at_saved: 'Saved.', at_leadHint: 'The supervisor chosen moves to this team and signs in again.',
    err_name_required: 'A name is needed.', err_invalid_name: 'A name is one line of text.',
    err_unknown_region: 'That region no longer exists.', err_not_a_supervisor: 'Choose a user whose role is supervisor.',
  },
  zh: {
    at_region: '区域', at_team: '团队', at_name: '名称（中文）', at_nameEn: '名称（英文）', at_code: '区域编码',
    at_lead: '主管', at_reps: '业务员', at_noLead: '无主管', at_newRegion: '新建区域', at_newTeam: '新建团队',
    at_createRegion: '创建区域', at_createTeam: '创建团队', at_rename: '改名', at_editTeam: '编辑团队 {name}',
    at_editRegion: '区域改名 {name}', at_noTeams: '该区域还没有团队。', at_noRegions: '还没有区域。',
    at_saved: '已保存。', at_leadHint: '所选主管将调入此团队，并需重新登录。',
    err_name_required: '请填写名称。', err_invalid_name: '名称只能是一行文字。',
    err_unknown_region: '该区域已不存在。', err_not_a_supervisor: '请选择角色为主管的用户。',
  },
});

class AdminTeams extends HTMLElement {
  connectedCallback() {
    render(this, html`<div class="adm-toolbar">
        <button type="button" class="adm-btn main" data-new-team>${icon('plus')}${t('at_newTeam')}</button>
        <button type="button" class="adm-btn" data-new-region>${icon('plus')}${t('at_newRegion')}</button></div>
      <p class="adm-status" role="status" hidden data-note></p>
      <div data-editor></div><div data-list></div>`);
    this.querySelector('[data-new-team]').onclick = () => this.teamForm(null);
    this.querySelector('[data-new-region]').onclick = () => this.regionForm(null);
    this.load();
  }

  load() {
    return loadInto(this.querySelector('[data-list]'), () => Promise.all([
      api('/api/admin/teams'), api('/api/admin/users?role=supervisor&limit=1000')]), ([teams, sups]) => {
      this.regions = teams.regions; this.supervisors = sups.items;
      this.drawList();
    });
  }

  drawList() {
    const list = this.querySelector('[data-list]');
    if (!this.regions.length) { render(list, html`<p class="empty">${t('at_noRegions')}</p>`); return; }
    render(list, html`${this.regions.map((r) => html`<section class="card adm-region" data-region="${r.id}">
      <header><h3>${localName(r)} <span class="adm-muted" data-region-code>${r.code}</span></h3>
        <button type="button" class="adm-btn" data-rename-region="${r.id}" aria-label="${t('at_editRegion', { name: localName(r) })}">${icon('edit')}${t('at_rename')}</button></header>
      ${table([
        [t('at_team'), (tm) => html`<b data-team-name>${localName(tm)}</b>`],
        [t('at_lead'), (tm) => (tm.supervisors.length ? joinList(tm.supervisors.map((s) => s.display_name || s.username)) : t('at_noLead'))],
        [t('at_reps'), (tm) => html`<span data-reps>${tm.reps}</span>`, { cls: 'num' }],
        [t('adm_actions'), (tm) => html`<button type="button" class="adm-btn" data-edit-team="${tm.id}" aria-label="${t('at_editTeam', { name: localName(tm) })}">${icon('edit')}${t('adm_edit')}</button>`],
      ], r.teams, { empty: t('at_noTeams') })}</section>`)}`);
    for (const b of list.querySelectorAll('[data-edit-team]')) b.onclick = () => this.teamForm(b.dataset.editTeam);
    for (const b of list.querySelectorAll('[data-rename-region]')) b.onclick = () => this.regionForm(b.dataset.renameRegion);
  }

  editor(markup, onsubmit) {
    const box = this.querySelector('[data-editor]');
    render(box, markup);
    const form = box.querySelector('form'), status = form.querySelector('[data-status]');
    form.querySelector('[data-close]').onclick = () => box.replaceChildren();
    form.onsubmit = async (e) => {
      e.preventDefault();
      const v = formValues(form);
      if ('name' in v && !v.name.trim()) { showError(status, t('err_name_required')); return; }
      const done = await busy(form.querySelector('[type=submit]'), () => onsubmit(v), { status });
      if (!done) return;
      box.replaceChildren();
      showNote(this.querySelector('[data-note]'), t('at_saved'));
      this.load();
    };
    form.querySelector('input')?.focus();
    box.scrollIntoView({ block: 'nearest' });
  }

  close() { return html`<button type="button" class="adm-btn" data-close aria-label="${t('adm_close')}">${icon('close')}</button>`; }

  teamForm(id) {
    const team = id && this.regions.flatMap((r) => r.teams).find((tm) => tm.id === id);
    const title = team ? t('at_editTeam', { name: localName(team) }) : t('at_newTeam');
    const regionOptions = this.regions.map((r) => [r.id, localName(r)]);
    const leads = [['', team?.supervisors.length ? joinList(team.supervisors.map((s) => s.display_name || s.username)) : t('at_noLead')],
      ...this.supervisors.filter((s) => s.active && s.team_id !== id).map((s) => [s.id, s.display_name && s.display_name !== s.username ? `${s.display_name} (${s.username})` : s.username])];
    this.editor(html`<form class="card adm-editor" data-team-form novalidate><h3><span>${title}</span>${this.close()}</h3>
      <div class="adm-form">
        ${field(t('at_name'), 'name', { value: team?.name || '', required: true, attrs: html`maxlength="100"` })}
        ${field(t('at_nameEn'), 'name_en', { value: team?.name_en || '', attrs: html`maxlength="100" lang="en"` })}
        ${field(t('at_region'), 'region_id', { type: 'select', value: team?.region_id || regionOptions[0]?.[0], options: regionOptions })}
        ${team && field(t('at_lead'), 'supervisor_id', { type: 'select', options: leads, hint: t('at_leadHint') })}
      </div>
      <div class="adm-buttons"><button type="submit" class="adm-btn main">${team ? t('adm_save') : t('at_createTeam')}</button></div>
      <p class="adm-status" role="alert" hidden data-status></p></form>`, (v) => {
      const body = { name: v.name.trim(), name_en: v.name_en.trim(), region_id: v.region_id };
      if (!team) return api('/api/admin/teams', { method: 'POST', body });
      if (v.supervisor_id) body.supervisor_id = v.supervisor_id;
      return api(`/api/admin/teams/${encodeURIComponent(team.id)}`, { method: 'PATCH', body });
    });
  }

  regionForm(id) {
    const region = id && this.regions.find((r) => r.id === id);
    const title = region ? t('at_editRegion', { name: localName(region) }) : t('at_newRegion');
    this.editor(html`<form class="card adm-editor" data-region-form novalidate><h3><span>${title}</span>${this.close()}</h3>
      <div class="adm-form">
        ${!region && field(t('at_code'), 'code', { required: true, attrs: html`maxlength="32" autocapitalize="characters"` })}
        ${field(t('at_name'), 'name', { value: region?.name || '', required: true, attrs: html`maxlength="100"` })}
        ${field(t('at_nameEn'), 'name_en', { value: region?.name_en || '', attrs: html`maxlength="100" lang="en"` })}
      </div>
      <div class="adm-buttons"><button type="submit" class="adm-btn main">${region ? t('adm_save') : t('at_createRegion')}</button></div>
      <p class="adm-status" role="alert" hidden data-status></p></form>`, (v) => {
      const body = { name: v.name.trim(), name_en: v.name_en.trim() };
      if (region) return api(`/api/admin/regions/${encodeURIComponent(region.id)}`, { method: 'PATCH', body });
      if (!v.code.trim()) return Promise.reject(new Error(t('adm_required', { field: t('at_code') })));
      return api('/api/admin/regions', { method: 'POST', body: { ...body, code: v.code.trim() } });
    });
  }
}
customElements.define('fv-admin-teams', AdminTeams);
