"""Recruiter tools: question variants (generate, review, save to the bank) and bulk grading of candidate answers."""

from __future__ import annotations

import math
from functools import partial

import pandas as pd
import streamlit as st

from bot import jobs
from bot.domain.access import AccessDenied
from bot.grading.bulk import BULK_EXTENSIONS, BulkFileError, inert_rows, parse_bulk, result_rows, rows_csv
from bot.grading.service import QuestionNotFound
from bot.retrieval.store import StoreError
from bot.storage.errors import StorageError
from bot.ui import background, resources
from bot.ui.state import inert_markdown, question_label
from bot.variants.bank import VariantSaveError
from bot.variants.models import AXES, AXIS_LABELS
from bot.variants.service import MAX_VARIANTS

state = resources.ui_state()
review = state.recruiter
settings = resources.settings()
st.title("Recruiter")
try:
    tools = resources.staff_tools()  # AccessDenied for a candidate, whatever the page shows
    questions = tools.grading.store.questions()
except (AccessDenied, StoreError, StorageError) as exc:
    st.error(resources.sentence(exc))
    st.stop()
by_id = {q.id: q for q in questions}

st.subheader("Question variants")
if not by_id:
    st.info("The index has no questions yet: ingest a bank first.")
else:
    parent_id = st.selectbox("Question", list(by_id), format_func=lambda i: question_label(by_id[i]))
    left, right = st.columns([1, 3])
    count = int(left.number_input("Number of variants", min_value=1, max_value=MAX_VARIANTS, value=5))
    axes = right.multiselect("Axes", list(AXES), default=list(AXES), format_func=lambda a: AXIS_LABELS[a])
    if st.button("Generate variants", disabled=not axes or background.running("variants")):
        background.start("variants", "Generating and checking variants",
                         partial(tools.generate_variants, by_id[parent_id], count, axes),
                         errors=(ValueError, StoreError, AccessDenied))
    if (generated := background.follow("variants")) is not None:
        if generated.error:
            st.error(inert_markdown(generated.error))
        else:
            result = generated.result
            review.start(result.parent.id, result.kept, result.dropped, result.notes)

if review.items or review.dropped:
    parent = by_id.get(review.parent_id or "")
    st.caption(inert_markdown(f"Variants of: {parent.title if parent else review.parent_id} — "
                              f"{len(review.items)} passed the gates, {len(review.dropped)} dropped"))
    for gated in review.dropped:
        st.warning(inert_markdown(f"Dropped ({AXIS_LABELS[gated.variant.provenance.axis]}): "
                                  f"{gated.variant.question} — {'; '.join(gated.gate.reasons)}"))
    for note in review.notes:
        st.caption(inert_markdown(note))
    for number, item in enumerate(review.items, start=1):
        variant, gate = item.gated.variant, item.gated.gate
        key = f"variant-{review.generation}-{number}"
        with st.container(border=True):
            st.markdown(inert_markdown(f"Variant {number} · {AXIS_LABELS[variant.provenance.axis]} · "
                                       f"{variant.difficulty or 'difficulty unset'} · {variant.category} · "
                                       f"cosine to parent {gate.parent_cosine:.2f}"))
            st.text(variant.question)
            choice = st.radio(f"Decision · variant {number}", ["Undecided", "Approve", "Reject"], horizontal=True,
                              key=f"{key}-decision")
            with st.expander(f"Edit · variant {number} (question and reference outline)"):
                item.question = st.text_area(f"Question · variant {number}", value=item.question,
                                             key=f"{key}-question")
                item.outline = st.text_area(f"Outline · variant {number}", value=item.outline, height=180,
                                            key=f"{key}-outline", help="One key point per line: `Title: text`.")
            item.decision = "approve" if choice == "Approve" else "reject" if choice == "Reject" else "undecided"
    approved = sum(item.decision == "approve" for item in review.items)
    if st.button(f"Save approved variants ({approved})", disabled=approved == 0 or background.running("save")):
        try:
            chosen = review.approved()
        except ValueError as exc:
            st.error(inert_markdown(str(exc)))
        else:
            background.start("save", "Saving and indexing the variants", partial(tools.save_variants, chosen),
                             errors=(ValueError, VariantSaveError, StoreError, AccessDenied))
    if (saving := background.follow("save")) is not None:
        if saving.error:
            st.error(inert_markdown(saving.error))
        else:
            outcome = saving.result
            review.saved = (f"Saved {outcome.saved.added} new variant(s) to {outcome.saved.path.name}; they are in "
                            f"the question bank now, ready to practise and grade.")
if review.saved:
    st.success(inert_markdown(review.saved))

st.subheader("Bulk grading")
limits = settings.limits()
upload_mb = resources.upload_mb()
upload = st.file_uploader(
    f"Answers file ({' or '.join(BULK_EXTENSIONS)}; up to {upload_mb:g} MB and {limits.batch_lines:,} answers)",
    type=[e.lstrip(".") for e in BULK_EXTENSIONS], max_upload_size=max(1, math.ceil(upload_mb)),
    help="Columns (CSV header or JSONL keys): candidate, question (a bank id or the question text), answer, and "
         "optionally reference (grade against this text instead of the bank's reference).")
if st.button("Grade the uploaded answers", disabled=upload is None or background.running("bulk")) and upload:
    review.bulk_rows, review.bulk_error = [], ""
    try:
        rows = parse_bulk(upload.name, upload.getvalue(), limits.upload_bytes, limits.batch_lines)
    except BulkFileError as exc:
        review.bulk_error = f"{upload.name}: {exc}"
    else:
        work = partial(tools.grade_answers, rows, jobs.step)
        background.start("bulk", f"Grading {len(rows):,} answers", work,
                         errors=(StoreError, QuestionNotFound, AccessDenied))
if (graded_job := background.follow("bulk")) is not None:
    if graded_job.error:
        review.bulk_error = graded_job.error
    else:
        review.bulk_rows = result_rows(graded_job.result)
if review.bulk_error:
    st.error(inert_markdown(review.bulk_error))
if review.bulk_rows:
    graded = [r for r in review.bulk_rows if not r["error"]]
    st.caption(f"{len(graded)} graded, {len(review.bulk_rows) - len(graded)} with errors. Click a column to sort.")
    st.dataframe(pd.DataFrame(inert_rows(review.bulk_rows)), hide_index=True,
                 width="stretch")  # inert cells: the table's own CSV download is an export too
    for row in review.bulk_rows:
        if row["error"]:
            st.error(inert_markdown(f"Line {row['line']}: {row['error']}"))
    st.download_button("Download grades as CSV", rows_csv(review.bulk_rows), file_name="grades.csv",
                       mime="text/csv")
