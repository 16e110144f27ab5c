// Reads an iCalendar object from stdin with Mozilla's ical.js, the parser of Thunderbird, and
// prints as JSON what a calendar client sees in it.
const ICAL = require(process.env.PODIUM_ICALJS);
const input = require('fs').readFileSync(0, 'utf8');
const cal = new ICAL.Component(ICAL.parse(input));
for (const tz of cal.getAllSubcomponents('vtimezone')) {
  ICAL.TimezoneService.register(tz);
}
const param = (prop, name) => (prop ? prop.getParameter(name) || '' : '');
const out = {
  method: cal.getFirstPropertyValue('method') || '',
  timezones: cal.getAllSubcomponents('vtimezone').map((tz) => tz.getFirstPropertyValue('tzid')),
  events: cal.getAllSubcomponents('vevent').map((v) => {
    const ev = new ICAL.Event(v);
    const organizer = v.getFirstProperty('organizer');
    return {
      uid: ev.uid,
      sequence: ev.sequence,
      status: v.getFirstPropertyValue('status') || '',
      summary: ev.summary,
      description: ev.description || '',
      location: ev.location || '',
      url: v.getFirstPropertyValue('url') || '',
      start: ev.startDate.toJSDate().toISOString(),
      end: ev.endDate.toJSDate().toISOString(),
      zone: ev.startDate.zone.tzid,
      offset: ev.startDate.utcOffset(),
      organizer: organizer ? organizer.getFirstValue() : '',
      organizer_cn: param(organizer, 'cn'),
      attendees: ev.attendees.map((a) => ({
        address: a.getFirstValue(),
        cn: param(a, 'cn'),
        partstat: param(a, 'partstat'),
        rsvp: param(a, 'rsvp'),
      })),
      alarms: v.getAllSubcomponents('valarm').map((a) => a.getFirstPropertyValue('trigger').toString()),
    };
  }),
};
process.stdout.write(JSON.stringify(out));
