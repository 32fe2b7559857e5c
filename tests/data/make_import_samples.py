"""Write the sample exports used by the import tests (run from the repository root):

    .venv/bin/python tests/data/make_import_samples.py

- ``google-forms-sipas-counter.csv``: Google Forms' CSV download of a counter form
  (60 answers, October–November 2025, Vietnamese labels, "Dấu thời gian" in Vietnam's
  time). Two rows are bad as real exports are: row 14 leaves the overall question empty
  (it was not required in the form) and row 37 answers "Không áp dụng" for the officer.
- ``kobo-sipas-services.xlsx``: KoboToolbox's XLS export ("Labels", Vietnamese) of the
  SIPAS service questionnaire (40 submissions, all valid), with ``_uuid`` and
  ``_submission_time`` (UTC).

The answers are drawn with a fixed seed, so the files are the same on every run.
"""
import csv
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import yaml
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
MAPS = HERE.parents[1] / "survey_app" / "import_maps"
LEVELS = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
NA = "Không áp dụng"
RESPONDENT = ["Người dân", "Người dân", "Người dân", "Tổ chức, doanh nghiệp"]
SEX = ["Nam", "Nữ"]
COMMENTS = ["", "", "", "", "Cán bộ hướng dẫn nhiệt tình.", "Nên có thêm ghế ngồi chờ.",
            "Thời gian chờ hơi lâu vào buổi sáng.", "Cảm ơn bộ phận một cửa.",
            "Đề nghị niêm yết phí rõ hơn."]


def level(rng):
    return LEVELS[rng.choice(5, p=[0.02, 0.05, 0.13, 0.45, 0.35])]


def mapped_columns(name):
    return yaml.safe_load((MAPS / f"{name}.yaml").read_text(encoding="utf-8"))["columns"]


def google_forms(rng):
    columns = mapped_columns("google-forms-sipas-counter")
    by_target = {target: header for header, target in columns.items()}
    headers = ["Dấu thời gian", by_target["respondent_type"], by_target["sex"],
               by_target["age_band"], "Lĩnh vực thủ tục đã giải quyết",
               *(by_target[t] for t in ("access", "procedures", "staff", "results", "feedback")),
               by_target["overall"], by_target["extra_request"], by_target["trips"],
               by_target["comment"]]
    ages = ["Dưới 30 tuổi", "Từ 30 đến 44 tuổi", "Từ 45 đến 59 tuổi", "Từ 60 tuổi trở lên"]
    when = datetime(2025, 10, 1, 7, 30)
    rows = []
    for number in range(2, 62):
        when += timedelta(minutes=int(rng.integers(5, 300)), seconds=int(rng.integers(0, 60)))
        if when.hour >= 17:  # the counter closes: the next answer comes the next morning
            when = when.replace(hour=7, minute=30) + timedelta(days=1)
        stamp = f"{when.day:02d}/{when.month:02d}/{when.year} {when.hour}:{when.minute:02d}:{when.second:02d}"
        feedback = NA if rng.random() < 0.5 else level(rng)
        row = [stamp, str(rng.choice(RESPONDENT)), str(rng.choice(SEX)), str(rng.choice(ages)),
               str(rng.choice(["Chứng thực", "Hộ tịch", "Đất đai", "Xây dựng"])),
               level(rng), level(rng), level(rng), level(rng), feedback, level(rng),
               str(rng.choice(["Không", "Không", "Không", "Không muốn trả lời", "Có"])),
               str(rng.choice(["1 lần", "1 lần", "2 lần", "3 lần trở lên"])),
               str(rng.choice(COMMENTS))]
        if number == 14:
            row[headers.index(by_target["overall"])] = ""
        if number == 37:
            row[headers.index(by_target["staff"])] = NA
        rows.append(row)
    with (HERE / "google-forms-sipas-counter.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)


def kobo(rng):
    columns = mapped_columns("kobo-sipas-services")
    questions = [h for h, t in columns.items() if t not in ("respondent_type", "sex", "age_band",
                                                           "comment")]
    not_applicable = {h for h, t in columns.items() if t in ("a4", "r4", "f2", "f3")}
    by_target = {target: header for header, target in columns.items()}
    headers = ["start", "end", "today", by_target["respondent_type"], by_target["sex"],
               by_target["age_band"], *questions, by_target["comment"],
               "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
               "_submitted_by", "__version__", "_tags", "_index"]
    book = Workbook()
    sheet = book.active
    sheet.title = "Khảo sát SIPAS 2025"
    sheet.append(headers)
    ages = ["Dưới 30 tuổi", "30–44 tuổi", "45–59 tuổi", "Từ 60 tuổi"]
    started = datetime(2025, 10, 6, 8, 5)
    for index in range(1, 41):
        started += timedelta(minutes=int(rng.integers(30, 1800)))
        ended = started + timedelta(seconds=int(rng.integers(150, 600)))
        received = ended - timedelta(hours=7) + timedelta(seconds=int(rng.integers(2, 90)))
        answers = [NA if h in not_applicable and rng.random() < 0.3 else level(rng)
                   for h in questions]
        sheet.append([
            started.isoformat(timespec="milliseconds") + "+07:00",
            ended.isoformat(timespec="milliseconds") + "+07:00", started.date().isoformat(),
            str(rng.choice(RESPONDENT)), str(rng.choice(SEX)), str(rng.choice(ages)), *answers,
            str(rng.choice(COMMENTS)), 480_000 + index,
            str(uuid.UUID(bytes=rng.bytes(16), version=4)),
            received.isoformat(timespec="seconds"), "", "", "submitted_via_web", "",
            "vGk7mTQ9h2aQ8P3xUeDcLw", "", index])
    book.save(HERE / "kobo-sipas-services.xlsx")


if __name__ == "__main__":
    google_forms(np.random.default_rng(2025))
    kobo(np.random.default_rng(1001))
