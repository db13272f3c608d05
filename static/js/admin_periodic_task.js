/* The admin's periodic-task form (django-celery-beat): under the crontab field, the chosen schedule in words.
 *
 * django-celery-beat does this with an inline script, which the portal's Content-Security-Policy refuses; its
 * template is overridden (templates/admin/djcelery/) to load this file instead. The schedules' descriptions come
 * from json_script (#readable-crontabs), the field's help text from this script element's data-crontab-help.
 */
(function () {
  "use strict";

  var $ = window.django && window.django.jQuery;
  var source = document.getElementById("readable-crontabs");
  var script = document.currentScript;
  if (!$ || !source || !script) {
    return;
  }
  var readable = JSON.parse(source.textContent);
  var help = script.dataset.crontabHelp || "";

  function showSchedule(description) {
    var target = $(".field-crontab .help");
    target.empty().append(document.createTextNode(help));
    if (description) {
      target.append("<br>", document.createTextNode("执行时间：" + description));
    }
  }

  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    showSchedule(readable[$("#id_crontab").val()]);
  });
}());
