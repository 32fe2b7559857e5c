# Golden values for tests/analysis/test_oracle.py, from R's survey package.
# Run from the repository root:  Rscript tests/oracle/golden.R
# For every design in designs.csv and every domain it writes, per item and index node:
#   estimate, se   <- 100 * svycontrast(svyratio(~s_q1+..., ~v_q1+..., design), a)
#                     (a = the node's coefficients from contrasts.csv; items are unit vectors)
#   mean, mean_se  <- the same with the answer values instead of s (mean score 1-5)
#   ci_low/high    <- items only: 100 * svyciprop(~s_k, subset(design, v_k == 1),
#                                                 method = "logit", df = degf(domain))
#                     where domain = subset(design, domain) (the whole design without --by):
#                     the domain's own df, PSUs it occupies minus their strata (METHODOLOGY §2)
#   all_satisfied  <- 100 * svyratio(~all_sat, ~any_valid, design)
# Domains are subset() of the full design (equivalent to svyby), never separate designs.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
root <- if (length(args) >= 1) args[1] else "tests/oracle"
out_dir <- if (length(args) >= 2) args[2] else file.path(root, "golden")
items <- paste0("q", 1:7)
# contrasts.csv: the tree's coefficients, written by hand from oracle.yaml (see its header)
contrasts <- read.csv(file.path(root, "data", "contrasts.csv"), check.names = FALSE,
                      comment.char = "#")
designs <- read.csv(file.path(root, "designs.csv"), colClasses = "character")
population <- read.csv(file.path(root, "data", "population.csv"))

prepare <- function(d) {
  for (k in items) {
    d[[paste0("v_", k)]] <- as.numeric(!is.na(d[[k]]))
    d[[paste0("s_", k)]] <- as.numeric(!is.na(d[[k]]) & d[[k]] >= 4)
    d[[paste0("x_", k)]] <- ifelse(is.na(d[[k]]), 0, d[[k]])
  }
  v <- as.matrix(d[paste0("v_", items)]); s <- as.matrix(d[paste0("s_", items)])
  d$any_valid <- as.numeric(rowSums(v) > 0)
  d$all_sat <- as.numeric(rowSums(v) > 0 & rowSums(s) == rowSums(v))
  d
}

make_design <- function(spec, d) {
  f <- function(col) if (nzchar(col)) as.formula(paste0("~", col)) else NULL
  ids <- if (nzchar(spec$psu)) f(spec$psu) else ~1
  des <- svydesign(ids = ids, strata = f(spec$strata), weights = f(spec$weights), data = d,
                   nest = TRUE)
  if (nzchar(spec$poststrat)) des <- postStratify(des, ~cell, population)
  des
}

ratio_part <- function(num, des) {
  r <- svyratio(as.formula(paste("~", paste0(num, "_", items, collapse = "+"))),
                as.formula(paste("~", paste0("v_", items, collapse = "+"))), des, covmat = TRUE)
  diag_idx <- sapply(seq_along(items), function(k) (k - 1) * length(items) + k)
  list(est = coef(r)[diag_idx], V = vcov(r)[diag_idx, diag_idx])
}

one_domain <- function(des, full, name, domain) {
  sat <- ratio_part("s", des); mean <- ratio_part("x", des)
  rows <- list()
  for (i in seq_len(nrow(contrasts))) {
    a <- as.numeric(contrasts[i, items])
    ok <- !is.na(sat$est) & a != 0
    a <- ifelse(ok, a, 0); a <- a / sum(a)
    est <- sum(a * ifelse(is.na(sat$est), 0, sat$est))
    se <- sqrt(as.numeric(t(a) %*% ifelse(is.na(sat$V), 0, sat$V) %*% a))
    m <- sum(a * ifelse(is.na(mean$est), 0, mean$est))
    mse <- sqrt(as.numeric(t(a) %*% ifelse(is.na(mean$V), 0, mean$V) %*% a))
    lo <- NA; hi <- NA
    code <- contrasts$code[i]
    if (code %in% items) {
      valid <- subset(des, des$variables[[paste0("v_", code)]] == 1)
      ci <- attr(svyciprop(as.formula(paste0("~s_", code)), valid, method = "logit",
                           df = degf(des)), "ci")
      lo <- 100 * ci[1]; hi <- 100 * ci[2]
    }
    rows[[length(rows) + 1]] <- data.frame(design = name, domain = domain, code = code,
      estimate = 100 * est, se = 100 * se, ci_low = lo, ci_high = hi, mean = m, mean_se = mse)
  }
  all <- svyratio(~all_sat, ~any_valid, des)
  rows[[length(rows) + 1]] <- data.frame(design = name, domain = domain, code = "all_satisfied",
    estimate = 100 * coef(all), se = 100 * SE(all), ci_low = NA, ci_high = NA, mean = NA,
    mean_se = NA)
  do.call(rbind, rows)
}

for (i in seq_len(nrow(designs))) {
  spec <- designs[i, ]
  d <- prepare(read.csv(file.path(root, "data", paste0(spec$data, ".csv")),
                        colClasses = c(stratum = "character", psu = "character")))
  des <- make_design(spec, d)
  if (nzchar(spec$by)) {
    parts <- lapply(sort(unique(d[[spec$by]])), function(level)
      one_domain(subset(des, des$variables[[spec$by]] == level), des, spec$name, level))
    result <- do.call(rbind, parts)
  } else {
    result <- one_domain(des, des, spec$name, "")
  }
  write.csv(result, file.path(out_dir, paste0(spec$name, ".csv")), row.names = FALSE)
}
cat("df:", paste(sapply(seq_len(nrow(designs)), function(i) {
  spec <- designs[i, ]
  d <- prepare(read.csv(file.path(root, "data", paste0(spec$data, ".csv")),
                        colClasses = c(stratum = "character", psu = "character")))
  paste0(spec$name, "=", degf(make_design(spec, d)))
}), collapse = " "), "\n")
