// Reads an iCalendar feed on stdin with Mozilla's ical.js (ICALJS_DIR names a folder whose
// node_modules holds ical.js) and prints JSON: calendar name and, per VEVENT, UID, SUMMARY,
// DESCRIPTION, LOCATION, SEQUENCE, whether it is all-day, TZID, and its start and end as UTC
// instants (timed) or local dates (all-day), computed from the feed's own VTIMEZONEs.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const ICAL = createRequire(path.join(path.resolve(process.env.ICALJS_DIR), "package.json"))("ical.js");
const root = new ICAL.Component(ICAL.parse(fs.readFileSync(0, "utf8")));
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
}
function when(time) {
  if (!time) return null;
  if (time.isDate) return time.toString();
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}
const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    sequence: event.sequence,
    allDay: event.startDate.isDate,
    tzid: event.startDate.isDate || event.startDate.zone.tzid === "UTC" ? null : event.startDate.zone.tzid,
    start: when(event.startDate),
    end: when(event.endDate),
    alarms: vevent.getAllSubcomponents("valarm").length,
  };
});
process.stdout.write(JSON.stringify({ name: root.getFirstPropertyValue("x-wr-calname"), events }));
