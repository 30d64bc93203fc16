tabix -f -p vcf cohort.vcf.gz 2>/dev/null || touch cohort.vcf.gz.tbi
