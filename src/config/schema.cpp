#include "config/schema.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "config/choices.hpp"
#include "core/table.hpp"

namespace precis {

namespace {
KeyDef key(std::string path, KeyType t, std::string def, std::string help) {
    KeyDef k;
    k.path = std::move(path);
    k.type = t;
    k.default_value = std::move(def);
    k.help = std::move(help);
    return k;
}
KeyDef choice(std::string path, std::string def, std::vector<std::string> choices, std::string help) {
    KeyDef k = key(std::move(path), KeyType::Choice, std::move(def), std::move(help));
    k.choices = std::move(choices);
    return k;
}
KeyDef ranged(KeyDef k, double lo, double hi, bool lo_open = false) {
    k.has_min = k.has_max = true;
    k.min = lo;
    k.max = hi;
    k.min_open = lo_open;
    return k;
}
KeyDef at_least(KeyDef k, double lo) {
    k.has_min = true;
    k.min = lo;
    return k;
}

std::vector<KeyDef> make_schema() {
    using T = KeyType;
    return {
        key("study.name", T::Name, "", "Name of the study; names the default output folder. Required."),
        at_least(key("study.seed", T::Int, "1", "Seed from which all randomness derives."), 0),
        key("study.output", T::Path, "", "Output folder. Default: results/<name> beside the study file."),
        choice("study.on_sample_error", "fail", choice_names<OnSampleError>(),
               "What a sample whose input is missing or broken does: fail stops the run (exit 2); skip leaves the "
               "sample out and reports it."),
        key("workflow", T::Name, "", "A preset from workflows/ whose values this study overrides."),
        key("samples.sheet", T::Path, "", "Sample sheet, TSV or CSV with a header row. Required."),
        key("samples.id_column", T::Text, "sample_id", "Column of sample ids (kept as text: leading zeros stay)."),
        key("samples.phenotypes", T::TextList, "[]",
            "Columns carried into the outputs and usable as ranking groups or covariates."),
        key("genome.path_column", T::Text, "", "Sheet column with each sample's VCF, VCF.gz or BCF."),
        key("genome.cohort_file", T::Path, "",
            "One multi-sample VCF.gz/BCF for the whole cohort, indexed (.tbi/.csi), a PLINK 1 fileset (its "
            ".bed, or its prefix as plink --bfile takes it, with the .bim and .fam of the same name beside it; "
            "sample ids from the .fam's IID), or a BGEN 1.2 "
            "file (.bgen; sample ids from PREFIX.sample's ID_2 beside it, else the file's own; calls by "
            "genome.qc.hard_call_threshold, dosages for scores); its samples are matched to the sheet by id. "
            "Instead of genome.path_column."),
        choice("genome.sample_ids", "iid", {"iid", "fid_iid"},
               "A PLINK fileset's sample ids, matched to the sheet: iid = the .fam's individual id; fid_iid = its "
               "family and individual ids joined by '_' (as plink2 --export vcf names them), for filesets whose "
               "IIDs repeat across families."),
        ranged(key("genome.qc.hard_call_threshold", T::Float, "0.1",
                   "BGEN: a sample's call is its ALT dosage's nearest whole number when it lies within this of it, "
                   "else missing (plink2 --hard-call-threshold); with more than two alleles, the most probable "
                   "genotype when its probability is at least 1 - this."),
               0, 0.5),
        ranged(key("genome.qc.min_call_rate", T::Float, "0", "Samples with a lower call rate fail QC."), 0, 1),
        key("genome.qc.pass_only", T::Bool, "false", "Count only sites whose FILTER is PASS or '.'."),
        at_least(key("genome.qc.min_dp", T::Int, "0",
                     "Genotypes with a lower or missing DP are filtered (n_filtered; left out of every other "
                     "count, as Hail's filter_entries). 0 = no threshold."),
                 0),
        at_least(key("genome.qc.min_gq", T::Int, "0", "The same for GQ."), 0),
        choice("genome.qc.frequencies", "auto", choice_names<Frequencies>(),
               "Allele frequencies for het_f (plink2 --het) and sex_f (plink --check-sex): cohort = from the "
               "genotypes of the sheet's samples in genome.cohort_file; info_af = each record's INFO/AF (as plink's "
               "--read-freq; sites without it are skipped); auto = cohort with a cohort file, else info_af. A "
               "single-sample VCF cannot give cohort frequencies."),
        choice("genome.qc.x_par", "auto", choice_names<XPar>(),
               "chrX pseudo-autosomal regions, left out of sex_f (as plink --split-x); auto decides by the chrX "
               "length in the VCF header and uses none when it is neither build's."),
        ranged(key("genome.qc.female_max_f", T::Float, "0.2", "inferred_sex is female when sex_f is below this."),
               -1, 1),
        ranged(key("genome.qc.male_min_f", T::Float, "0.8", "inferred_sex is male when sex_f is above this."), -1,
               1),
        at_least(key("genome.qc.max_abs_het_f", T::Float, "0",
                     "Samples whose |het_f| is larger fail QC (excess or missing heterozygosity: contamination, "
                     "inbreeding, sample mix-ups). 0 = no threshold."),
                 0),
        key("genome.qc.sex_from_fam", T::Bool, "false",
            "A PLINK fileset's .fam sex code (1 male, 2 female; 0 is not checked) is the reported sex that "
            "inferred_sex is checked against, instead of a sheet column (genome.qc.sex_column)."),
        key("genome.qc.sex_column", T::Text, "",
            "Sheet column of reported sex (F/female/2, M/male/1; other values are not checked). A sample whose "
            "inferred_sex contradicts it, or is ambiguous, fails QC (plink --check-sex's PROBLEM)."),
        key("genome.features.gene_burden.genes", T::Path, "",
            "BED file of genes (chrom, start, end, name): one burden feature per gene."),
        ranged(key("genome.features.gene_burden.max_af", T::Float, "1",
                   "ALT alleles with a higher frequency (see af) do not count towards burden."),
               0, 1, true),
        choice("genome.features.gene_burden.af", "info", choice_names<BurdenAf>(),
               "The frequency max_af is held against: info = the record's INFO/AF (alleles without one count); "
               "cohort = AC/AN over the sheet's samples in genome.cohort_file."),
        key("genome.features.gene_burden.consequences", T::TextList, "[]",
            "Only ALT alleles with one of these consequences (Sequence Ontology terms, e.g. [missense_variant, "
            "stop_gained, frameshift_variant]) for the gene count towards its burden, read from VEP's INFO/CSQ or "
            "SnpEff's INFO/ANN; an annotation counts for the BED gene whose name is its SYMBOL or Gene (SnpEff: "
            "Gene_Name or Gene_ID). [] = no filter."),
        choice("genome.features.gene_burden.annotation", "auto", choice_names<Annotation>(),
               "Where consequences come from: csq (Ensembl VEP), ann (SnpEff), auto = CSQ if the header declares "
               "it, else ANN."),
        key("genome.features.gene_burden.annotation_table", T::Path, "",
            "Consequences from a per-variant table instead of INFO/CSQ or ANN (how a PLINK fileset or a BGEN file "
            "gets them): TSV, plain or gzipped, whose header names chrom, pos (1-based), ref, alt (one ALT allele), "
            "gene and consequence (terms joined by '&' as VEP writes them); one row per allele and gene, e.g. "
            "bcftools +split-vep -d -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%SYMBOL\\t%Consequence\\n' of the variants "
            "annotated by VEP. Alleles are matched by chromosome, position, REF and ALT as the genotype file "
            "gives them (not swapped); a row without a gene ('.') counts for every gene."),
        key("genome.features.scores", T::PathList, "[]",
            "PGS Catalog scoring files (format 2.0, plain or gzipped; the harmonized hm_chr/hm_pos columns are used "
            "when present): one genome feature per score, the sum of effect-allele dosage x weight. Variants are "
            "matched by position and alleles, on either strand; palindromic A/T and C/G SNPs are left out. "
            "Per-sample values and match rates go to scores.tsv, each score's matching to qc/scores.tsv."),
        ranged(key("genome.features.score_min_overlap", T::Float, "0.75",
                   "A score whose share of matched variants is lower is refused (NA), for the cohort file or for a "
                   "sample's own file."),
               0, 1),
        choice("genome.features.score_missing", "mean", choice_names<ScoreMissing>(),
               "A missing genotype at a matched variant adds: mean = 2 x the effect allele's frequency (as "
               "plink2 --score; frequencies as genome.qc.frequencies, else the file's allelefrequency_effect); "
               "zero = nothing (plink2's no-mean-imputation)."),
        key("genome.ancestry.enabled", T::Bool, "false",
            "Genetic ancestry PCs from the cohort VCF, as plink2 --pca on LD-pruned biallelic autosomal SNVs; the PCs "
            "become sheet columns PC1... (obs, ranking.covariates, clustering.adjust.covariates). docs/structure.md."),
        ranged(key("genome.ancestry.pcs", T::Int, "10", "Number of PCs."), 1, 50),
        ranged(key("genome.ancestry.maf", T::Float, "0.01", "Variants with a lower minor allele frequency are left "
                   "out of ancestry and relatedness (plink2 --maf)."), 0, 0.5),
        ranged(key("genome.ancestry.max_missing", T::Float, "0.1", "Variants missing in more than this share of the "
                   "samples are left out of ancestry and relatedness (plink2 --geno)."), 0, 1),
        at_least(key("genome.ancestry.prune.window", T::Int, "50", "LD pruning window, in variants (plink2 "
                     "--indep-pairwise)."), 2),
        at_least(key("genome.ancestry.prune.step", T::Int, "5", "LD pruning step, in variants."), 1),
        ranged(key("genome.ancestry.prune.r2", T::Float, "0.2", "LD pruning r^2 threshold."), 0, 1),
        at_least(key("genome.ancestry.approx_above", T::Int, "5000",
                     "Above this many samples in the PCA, the randomized algorithm (as plink2 --pca approx: "
                     "memory of a few samples x PCs matrices per rank, no n x n matrix); 0: always."), 0),
        at_least(key("genome.ancestry.outlier_pcs", T::Int, "4",
                     "Ancestry outliers are checked on this many first PCs (at most genome.ancestry.pcs)."), 1),
        ranged(key("genome.ancestry.outlier_mads", T::Float, "6",
                   "A sample further than this many MADs (R's mad) from the median on any of those PCs is flagged in "
                   "qc/genome.tsv (ancestry_outlier); it stays in the cohort. 0: no check (a cohort of several "
                   "ancestries: its PCs are multimodal)."), 0, 1000),
        key("genome.ancestry.color_by", T::Text, "",
            "A sheet column (self-reported ancestry, site) that colours the report's PC plots; empty: none."),
        key("genome.ancestry.exclude", T::Path, "",
            "BED of regions (long-range LD, e.g. the MHC) whose variants are left out of the PCA; empty: none."),
        key("genome.relatedness.enabled", T::Bool, "false",
            "KING-robust kinship of every pair of samples, as plink2 --make-king-table, over the variants that "
            "genome.ancestry selects (before pruning); relatedness/pairs.tsv. docs/structure.md."),
        ranged(key("genome.relatedness.max_kinship", T::Float, "0.0884",
                   "Pairs above this kinship are related (0.0884: second degree); a maximal unrelated set is kept "
                   "for the PCA (the others are projected onto it)."), 0, 0.5),
        key("genome.relatedness.drop_related", T::Bool, "false",
            "Leave the relatives outside the unrelated set out of the cohort (status fail in qc/genome.tsv)."),
        ranged(key("genome.relatedness.report_kinship", T::Float, "0.0442",
                   "relatedness/pairs.tsv lists the pairs with at least this kinship (0.0442: third degree)."), -1, 0.5),
        key("proteome.path_column", T::Text, "", "Sheet column with each sample's proteome table."),
        key("proteome.cohort_file", T::Path, "",
            "One proteome file for the whole cohort (olink_npx or maxquant), its samples matched to the sheet by id. "
            "Instead of proteome.path_column."),
        choice("proteome.format", "tsv", choice_names<ProteomeFormat>(),
               "tsv: one table per sample (path_column); olink_npx: an Olink NPX export in long format (CSV with "
               "',' or ';', or TSV); maxquant: MaxQuant's proteinGroups.txt."),
        key("proteome.id_column", T::Text, "protein_id", "Column of protein ids (tsv)."),
        key("proteome.value_column", T::Text, "abundance", "Column of abundances (tsv)."),
        choice("proteome.measure", "LFQ intensity", choice_names<Measure>(),
               "maxquant: which intensity columns ('<measure> <sample id>') to read."),
        choice("proteome.below_lod", "keep", choice_names<BelowLod>(),
               "olink_npx: keep NPX values below the assay's LOD, or make them missing."),
        choice("proteome.transform", "log2", choice_names<Transform>(),
               "log2: log2 of the abundance (0 counts as missing); none: use values as they are. NPX is log2 "
               "already and is never transformed."),
        choice("proteome.normalize", "median", choice_names<Normalize>(),
               "median: subtract each sample's median; quantile: give every sample the same distribution, as "
               "limma's normalizeQuantiles on the cohort matrix (features x kept samples; missing values keep their "
               "place and the observed ones spread over the reference); plate_median (olink_npx): shift each "
               "assay on each plate so that its median there is the assay's median over all plates (Olink's "
               "intensity normalisation)."),
        choice("proteome.impute", "none", choice_names<Impute>(),
               "Missing values of the cohort matrix (kept samples, after normalisation): half_min = half the "
               "feature's smallest observed value (log2 data: minus 1); min_prob = imputeLCMD's MinProb, draws "
               "from N(the sample's 1% quantile, median SD of the features observed in over half the samples), "
               "seeded per sample id and feature; knn = impute.knn (k = 10): the mean of the 10 proteins nearest over "
               "the samples both observe. The missing fractions of cohort.max_missing are those before."),
        key("proteome.qc.fail_qc_warning", T::Bool, "false",
            "olink_npx: samples with a QC_Warning fail QC (they are flagged in qc/proteome.tsv either way)."),
        ranged(key("proteome.qc.min_detected_fraction", T::Float, "0",
                   "Samples that detect a smaller fraction of their proteins fail QC."),
               0, 1),
        ranged(key("cohort.max_missing", T::Float, "0.2",
                   "Features missing in more than this fraction of samples are left out of clustering and ranking."),
               0, 1),
        key("clustering.enabled", T::Bool, "true", "Run consensus subtype clustering."),
        key("clustering.modalities", T::Modalities, "",
            "Modalities that feed clustering, optionally weighted: [proteome, {genome: 0.5}]. "
            "Default: every modality of the study."),
        at_least(key("clustering.top_variable", T::Int, "5000",
                     "Use this many most variable features (by MAD) of each modality; 0 = all."),
                 0),
        choice("clustering.center", "median", choice_names<Center>(), "Per-feature centring."),
        choice("clustering.algorithm", "kmeans", choice_names<Algorithm>(),
               "Clustering of each resample: kmeans (Hartigan-Wong from k random starting points, as R's kmeans; "
               "euclidean), hc (hierarchical clustering of the resample's distances with inner_linkage, cut into k "
               "groups) or pam (partitioning around medoids on the distances), as ConsensusClusterPlus's km, hc and "
               "pam."),
        choice("clustering.distance", "euclidean", choice_names<Distance>(),
               "Distance between samples for hc, pam and the landmark assignment: euclidean, or 1 - Pearson / "
               "Spearman correlation over the features (as ConsensusClusterPlus). kmeans is euclidean only."),
        choice("clustering.linkage", "average", choice_names<LinkageMethod>(),
               "Linkage of the final hierarchical clustering of 1 - consensus that makes the classes "
               "(ConsensusClusterPlus's finalLinkage; R hclust's names)."),
        choice("clustering.inner_linkage", "average", choice_names<LinkageMethod>(),
               "hc: linkage of the clustering of each resample (ConsensusClusterPlus's innerLinkage)."),
        at_least(key("clustering.k.min", T::Int, "2", "Smallest number of subtypes tried."), 2),
        at_least(key("clustering.k.max", T::Int, "6", "Largest number of subtypes tried; below the sample count."), 2),
        at_least(key("clustering.resamples", T::Int, "1000",
                     "Resamples; each is clustered at every k (as ConsensusClusterPlus's reps)."),
                 1),
        at_least(key("clustering.landmarks", T::Int, "2000",
                     "Above this many samples, consensus runs on this many landmark samples drawn at random, and each "
                     "other sample joins the class whose landmark centroid is nearest (by clustering.distance), so "
                     "that no n x n matrix is held; 0 = always every sample. See docs/clustering.md."),
                 0),
        ranged(key("clustering.item_fraction", T::Float, "0.8", "Share of samples drawn in each resample."), 0, 1,
               true),
        ranged(key("clustering.feature_fraction", T::Float, "1", "Share of features drawn in each resample."), 0, 1,
               true),
        choice("clustering.choose_k", "pac", choice_names<ChooseK>(),
               "pac: lowest PAC; silhouette: highest mean silhouette; delta_area: the last k before the relative "
               "gain in CDF area drops below 0.1; fixed: k.min (= k.max); null: the best RCSI among the k whose "
               "null test (clustering.null_test) has p_adjusted < alpha, and no structure (one class) when none "
               "has. YAML reads an empty value as null too."),
        key("clustering.null_test.enabled", T::Bool, "false",
            "Test each k against reference data without clusters (M3C's Monte Carlo method): p_value and rcsi in "
            "clustering.tsv. On whenever choose_k is null. See docs/clustering.md."),
        at_least(key("clustering.null_test.references", T::Int, "5",
                     "Reference data sets, each clustered as the real data (M3C's iters; the p-value is from a beta "
                     "distribution fitted to their PACs, as M3C's, so a few suffice; p_monte_carlo needs more)."),
                 3),
        at_least(key("clustering.null_test.resamples", T::Int, "0",
                     "Resamples of each reference, and of the real data for its test PAC (M3C's repsref and "
                     "repsreal); 0: 2/5 of clustering.resamples, at least 50 (fewer make the PACs noisy)."),
                 0),
        ranged(key("clustering.null_test.alpha", T::Float, "0.05",
                   "choose_k null: a k is significant when its p_adjusted (p_value times the number of k tried) is "
                   "below this, so that data without structure is called structured at most this often."),
               0, 1, true),
        at_least(key("clustering.model.folds", T::Int, "10",
                     "The subtype model (model/subtype_model.h5): cross-validation folds (stratified by subtype) that "
                     "choose the nearest shrunken centroid threshold. See docs/classify.md."),
                 2),
        at_least(key("clustering.model.thresholds", T::Int, "30",
                     "The subtype model: shrinkage thresholds tried, evenly from 0 to the one that shrinks every "
                     "centroid to the overall mean (as pamr)."),
                 2),
        choice("clustering.adjust.method", "linear", choice_names<AdjustMethod>(),
               "How clustering.adjust.batch and .covariates are removed before clustering: linear (limma's "
               "removeBatchEffect: one linear model per feature) or combat (sva's parametric ComBat for the batch, "
               "then the covariates as linear). See docs/adjustment.md."),
        key("clustering.adjust.batch", T::Text, "",
            "A sheet column (plate, site) whose effect is removed from the clustered values; empty: none."),
        key("clustering.adjust.covariates", T::TextList, "[]",
            "Sheet columns (age, sex, genetic PCs, QC metrics) whose effects are removed from the clustered "
            "values: numbers as they are, other columns as factors. No sample may miss one."),
        key("clustering.adjust.preserve", T::TextList, "[]",
            "Sheet columns whose effects are kept (the design of removeBatchEffect, ComBat's mod)."),
        key("clustering.adjust.mean_only", T::Bool, "false",
            "combat: adjust the batch means only (ComBat's mean.only)."),
        key("clustering.adjust.ref_batch", T::Text, "",
            "combat: the batch left as it is, the others adjusted to it (ComBat's ref.batch); empty: none."),
        key("ranking.enabled", T::Bool, "true", "Rank biomarkers."),
        key("ranking.groups", T::Text, "subtype", "'subtype', or a sheet column (e.g. case/control)."),
        key("ranking.levels", T::TextList, "[]",
            "Order of the groups of a sheet column; with two, effect = mean(second) - mean(first)."),
        choice("ranking.test", "welch", choice_names<RankTest>(),
               "welch: R's t.test; moderated: limma's lmFit + eBayes (moderated t per contrast and, with more than "
               "two groups, the moderated F as contrast 'overall'); wilcoxon: R's wilcox.test (normal approximation "
               "with continuity and tie corrections); kruskal: R's kruskal.test over all groups (contrast "
               "'overall'); cox: one Cox model per feature against ranking.endpoint (R's coxph, per SD of the "
               "feature, with the endpoint's covariates and strata; see docs/survival.md)."),
        key("ranking.endpoint", T::Text, "",
            "ranking.test: cox: the endpoint of outcomes the features are ranked against (its name)."),
        choice("ranking.moderation", "standard", choice_names<Moderation>(),
               "moderated: the prior of the feature variances, as limma's eBayes: standard; trend (the prior "
               "variance a smooth function of the feature's mean, eBayes(trend = TRUE)); robust (outlying variances "
               "get less prior weight, eBayes(robust = TRUE)); trend_robust (both)."),
        key("ranking.covariates", T::TextList, "[]",
            "Sheet columns adjusted for (moderated test): numbers as they are, other columns as factors (first "
            "level in sorted order the reference). Samples missing a covariate are left out of the test."),
        choice("ranking.p_adjust", "BH", choice_names<PAdjust>(),
               "Adjustment of the p-values of each contrast into q_value: Benjamini-Hochberg or Benjamini-Yekutieli "
               "(R's p.adjust)."),
        ranged(key("ranking.fdr", T::Float, "0.05", "False discovery rate for calling a biomarker significant."), 0,
               1, true),
        ranged(key("classify.min_probability", T::Float, "0.8",
                   "precis classify: a sample whose subtype's probability is below this gets status low_confidence. "
                   "See docs/classify.md."),
               0, 1),
        ranged(key("classify.max_missing_features", T::Float, "0.2",
                   "precis classify: a sample missing more than this share of the model's features is not "
                   "classified (status fail); fewer are set to the model's centre and counted."),
               0, 1),
        at_least(key("classify.permutations", T::Int, "1000",
                     "precis classify: permutations of the IGP p-values in validation.tsv (20 or more samples)."),
                 1),
        at_least(key("classify.validation_samples", T::Int, "10000",
                     "precis classify: the in-group proportions of validation.tsv look for each sample's nearest "
                     "neighbour (n^2 x features): among at most this many classified samples, a random subset above "
                     "it (igp_samples in validation.tsv)."),
                 20),
        key("outcomes.<name>.time", T::Text, "",
            "Sheet column of each sample's follow-up time, for the endpoint the key under outcomes names (e.g. "
            "outcomes: {os: {time: os_days, event: death}}); or .start and .end instead. See docs/survival.md."),
        key("outcomes.<name>.start", T::Text, "",
            "Sheet column of the date follow-up started (YYYY-MM-DD); with .end instead of .time, the time is the "
            "days between them."),
        key("outcomes.<name>.end", T::Text, "", "Sheet column of the date follow-up ended (the event, or the last "
                                                 "contact)."),
        key("outcomes.<name>.event", T::Text, "",
            "Sheet column saying whether follow-up ended in the event (required)."),
        key("outcomes.<name>.event_values", T::TextList, "[1]",
            "The .event values that mean the event happened (e.g. [TRUE] or [dead])."),
        key("outcomes.<name>.censor_values", T::TextList, "[0]",
            "The .event values that mean the sample was censored (e.g. [FALSE] or [alive]); any other value is an "
            "error naming the sample."),
        key("outcomes.<name>.covariates", T::TextList, "[]",
            "Sheet columns the Cox models adjust for (numbers, or factors of their levels)."),
        key("outcomes.<name>.strata", T::TextList, "[]",
            "Sheet columns whose levels each get their own baseline hazard (coxph's strata); the log-rank test is "
            "stratified by them too."),
        key("outcomes.<name>.reference", T::Text, "",
            "The subtype the hazard ratios compare with (its number); default the largest subtype."),
        key("outcomes.<name>.unit", T::Text, "days", "The unit of the times, as the report names it."),
        choice("survival.pairwise_adjust", "BH", {"BH", "holm"},
               "Adjustment of the pairwise log-rank tests' p-values (R's p.adjust)."),
        key("survival.at_risk", T::TextList, "[]",
            "Times at which the report counts the samples at risk under each curve; default 6 evenly spaced times up "
            "to the longest follow-up."),
        at_least(key("resources.nodes", T::Int, "1", "Slurm nodes."), 1),
        at_least(key("resources.ntasks", T::Int, "8", "MPI ranks."), 1),
        at_least(key("resources.cpus_per_task", T::Int, "2", "OpenMP threads per rank."), 1),
        key("resources.time", T::Text, "02:00:00", "Slurm time limit."),
        key("resources.mem_per_cpu", T::Text, "4G", "Slurm memory per CPU."),
        key("resources.partition", T::Text, "", "Slurm partition (empty: the site default)."),
        key("resources.account", T::Text, "", "Slurm account (empty: the user's default)."),
        choice("resources.launcher", "srun", choice_names<Launcher>(),
               "How `precis slurm`'s job starts the ranks: srun --mpi=pmix -c CPUS (Slurm's own launcher), or "
               "Open MPI's mpirun --map-by slot:PE=CPUS inside the allocation."),
        at_least(key("resources.save_before", T::Int, "300",
                     "Seconds before the time limit at which the job asks precis to save its work (Slurm --signal; "
                     "Slurm may send it up to a minute early) and requeues itself to resume."),
                 60),
        key("resources.sbatch_options", T::TextList, "[]",
            "More #SBATCH options for `precis slurm`, each --name or --name=value (e.g. --qos=long, "
            "--constraint=avx2, --overcommit); letters, digits and . _ , : @ + - only."),
        key("resources.template", T::Path, "",
            "A site's sbatch template for `precis slurm` (modules, account rules); empty: the built-in one. See "
            "slurm/README.md for its placeholders."),
    };
}
}  // namespace

const std::vector<KeyDef>& schema() {
    static const std::vector<KeyDef> s = make_schema();
    return s;
}

namespace {
std::vector<std::string> parts_of(const std::string& path) {
    std::vector<std::string> out;
    for (size_t a = 0;;) {
        const size_t b = path.find('.', a);
        out.push_back(path.substr(a, b == std::string::npos ? std::string::npos : b - a));
        if (b == std::string::npos) break;
        a = b + 1;
    }
    return out;
}
bool name_segment(const std::string& s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}
// whether the first path.size() segments of the key's path are `path`'s ("<name>" matches any name)
bool leads(const std::vector<std::string>& key, const std::vector<std::string>& path) {
    if (path.size() > key.size()) return false;
    for (size_t i = 0; i < path.size(); ++i)
        if (key[i] != path[i] && !(key[i] == kNamed && name_segment(path[i]))) return false;
    return true;
}
}  // namespace

const KeyDef* find_key(const std::string& path) {
    for (auto& k : schema())
        if (k.path == path) return &k;
    const std::vector<std::string> p = parts_of(path);
    for (auto& k : schema())
        if (k.path.find(kNamed) != std::string::npos) {
            const std::vector<std::string> kp = parts_of(k.path);
            if (kp.size() == p.size() && leads(kp, p)) return &k;
        }
    return nullptr;
}

bool is_section(const std::string& path) {
    if (path.empty()) return true;
    const std::vector<std::string> p = parts_of(path);
    for (auto& k : schema()) {
        const std::vector<std::string> kp = parts_of(k.path);
        if (kp.size() > p.size() && leads(kp, p)) return true;
    }
    return false;
}

std::vector<std::string> children(const std::string& section) {
    std::vector<std::string> out;
    const std::vector<std::string> p = section.empty() ? std::vector<std::string>{} : parts_of(section);
    for (auto& k : schema()) {
        const std::vector<std::string> kp = parts_of(k.path);
        if (kp.size() <= p.size() || !leads(kp, p)) continue;
        const std::string& name = kp[p.size()];
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    return out;
}

std::string named_family(const std::string& path) {
    const size_t at = path.find(std::string(".") + kNamed + ".");
    return at == std::string::npos ? "" : path.substr(0, at);
}

std::string type_text(const KeyDef& k) {
    auto range = [&](const std::string& what) {
        if (k.has_min && k.has_max)
            return what + " in " + (k.min_open ? "(" : "[") + fmt(k.min) + ", " + fmt(k.max) + "]";
        if (k.has_min) return what + " >= " + fmt(k.min);
        return what;
    };
    switch (k.type) {
    case KeyType::Text: return "text";
    case KeyType::Name: return "name ([A-Za-z0-9._-])";
    case KeyType::Path: return "path";
    case KeyType::Int: return range("whole number");
    case KeyType::Float: return range("number");
    case KeyType::Bool: return "true or false";
    case KeyType::TextList: return "list of text";
    case KeyType::PathList: return "list of paths";
    case KeyType::Modalities: return "list of modalities, each optionally {name: weight}";
    case KeyType::Choice: {
        std::string s = "one of: ";
        for (size_t i = 0; i < k.choices.size(); ++i) s += (i ? " | " : "") + k.choices[i];
        return s;
    }
    }
    return "";
}

std::string schema_markdown() {
    std::string s =
        "# Study keys\n\n"
        "Generated by `precis keys` from the schema that `precis validate` checks against; "
        "a test keeps this file equal to that output.\n\n"
        "Values are layered, each overriding the one before: built-in defaults, the `workflow` preset, the study "
        "file, then `--set key=value` on the command line. Relative paths resolve against the folder of the file "
        "that sets them (the current folder for `--set`).\n\n"
        "| key | type | default | meaning |\n|---|---|---|---|\n";
    for (auto& k : schema()) {
        const std::string& help = k.help;
        std::string def = k.default_value.empty() ? "" : "`" + k.default_value + "`";
        std::string type = type_text(k);
        for (size_t p = 0; (p = type.find('|', p)) != std::string::npos; p += 2) type.replace(p, 1, "\\|");
        s += "| `" + k.path + "` | " + type + " | " + def + " | " + help + " |\n";
    }
    return s;
}

}  // namespace precis
