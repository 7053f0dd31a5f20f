// File: tools/eval_command.h
//
// `babelwatch eval` and `babelwatch eval-pairs`: quality figures of the detection stage on
// labelled data. eval replays a labelled corpus (replay records plus `event`) through the
// same pipeline as `babelwatch replay` and reports B-cubed precision/recall/F1 of stories
// against events, the same over cross-language pairs of documents, and alert
// precision/recall. eval-pairs scores article pairs (SemEval-2022 Task 8 format) with the
// clusterer's similarity and reports ROC AUC and Spearman's rho, same- and cross-language.
// Both are plain functions of their arguments writing to `out`/`err` (no globals); not
// thread-safe only in that they share nothing. Exit codes: 0 ok, 2 usage or input error,
// 78 bad --config.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace babelwatch::tools {

// babelwatch eval INPUT.jsonl [--config FILE] [--json]
// --json prints one object with keys bcubed_precision, bcubed_recall, bcubed_f1,
// xling_precision, xling_recall, xling_f1, alert_precision, alert_recall, docs, seconds.
int RunEvalCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// babelwatch eval-pairs PAIRS.jsonl [--json]
// Lines: {"pair_id","id1","id2","lang1","lang2","score","text1","text2"}; score 1 = same
// event … 4 = unrelated. Positives are score <= 1.5, negatives score >= 3. Spearman's rho is
// taken between similarity and -score (positive = agreement). --json keys: auc_same_lang,
// auc_cross_lang, spearman_same_lang, spearman_cross_lang, pairs (plus the precision and
// recall at the clusterer's thresholds).
int RunEvalPairsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace babelwatch::tools
