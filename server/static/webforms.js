// Fill one form with ODK Web Forms and send it to our OpenRosa submission URL.
// The URLs come from data attributes of #webform; every message the cadre reads is Chinese.
import { createApp, h } from 'vue';
import { OdkWebForm, POST_SUBMIT__NEW_INSTANCE, webFormsPlugin } from '@getodk/web-forms';

const root = document.getElementById('webform');
const status = document.getElementById('send-status');
const { formUrl, mediaBase, submitUrl, csrf } = root.dataset;

function show(kind, text) {
  status.className = `flash ${kind}`;
  status.textContent = text;
  status.hidden = false;
}

// The <message> of an OpenRosaResponse (what Collect would show), or ''.
function openRosaMessage(text) {
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  const node = doc.getElementsByTagNameNS('*', 'message')[0];
  return node ? node.textContent.trim() : '';
}

// jr://file/name, jr://file-csv/name, jr://images/name → the same media URL Collect downloads.
function fetchFormAttachment(url) {
  const name = decodeURIComponent(String(url.pathname ?? url).split('/').pop());
  return fetch(mediaBase + encodeURIComponent(name), { credentials: 'same-origin' });
}

async function onSubmit(payload, callback) {
  const keep = () => callback({ status: 'failure' });  // the answers stay on the page
  if (payload.status && payload.status !== 'ready') {
    show('error', '附件过大或尚未准备好，不能发送');
    keep();
    return;
  }
  show('info', '正在发送……');
  const headers = { 'X-OpenRosa-Version': '1.0' };
  if (csrf) headers['X-CSRFToken'] = csrf;
  let response;
  try {
    response = await fetch(submitUrl, { method: 'POST', body: payload.data[0], headers, credentials: 'same-origin' });
  } catch (err) {
    show('error', '网络错误，记录没有发送成功。已填内容仍保留在页面上，请检查网络后再次点击发送。');
    keep();
    return;
  }
  const message = openRosaMessage(await response.text());
  if (response.status === 201 || response.status === 202) {
    show('success', `${message || '走访记录已提交成功'}。可以继续填写下一户。`);
    callback({ status: 'success', next: POST_SUBMIT__NEW_INSTANCE });
  } else {
    show('error', `发送失败（${response.status}）：${message || '服务器拒绝了这条记录'}。已填内容仍保留，请修改后重试。`);
    keep();
  }
  window.scrollTo(0, 0);
}

async function main() {
  let formXml;
  try {
    const response = await fetch(formUrl, { credentials: 'same-origin' });
    if (!response.ok) {
      show('error', `表单下载失败（${response.status}）：${openRosaMessage(await response.text())}`);
      return;
    }
    formXml = await response.text();
  } catch (err) {
    show('error', '网络错误，表单没有下载成功，请检查网络后刷新页面。');
    return;
  }
  root.textContent = '';
  createApp({ render: () => h(OdkWebForm, { formXml, fetchFormAttachment, onSubmit }) })
    .use(webFormsPlugin)
    .mount(root);
}

main();
